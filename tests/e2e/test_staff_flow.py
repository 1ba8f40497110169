"""A case from the desk to closure in a real browser, with the officer's inbox updating live.

The dispatcher accepts and assigns a case; the officer's inbox, open in another browser, shows it
without a reload; the officer records findings and submits; the town supervisor closes; the
bureau dashboard shows the closed case. Screenshots of each page go to ``test-artifacts/``.
"""

from __future__ import annotations

from typing import Any, cast

from channels.testing import ChannelsLiveServerTestCase
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Browser, Page, expect, sync_playwright

from cases import services
from cases.models import Case, State
from directory.models import Membership, Role, Town
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

TIMEOUT_MS = 15_000


def totp_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


class StaffFlowTest(ChannelsLiveServerTestCase):
    serve_static = True

    @classmethod
    def setUpClass(cls) -> None:
        # The server process is forked from this one: a psycopg pool does not survive a fork
        # (its worker threads stay behind), so drop it here and let each process open its own.
        for each in connections.all():
            close_pool = getattr(each, "close_pool", None)
            if close_pool is not None:
                close_pool()
        # The server process names its database TEST["NAME"] or "test_" + NAME; NAME is already the
        # test database's here, so name it explicitly (SQLite's test settings already do).
        test_settings = cast("dict[str, Any]", settings.DATABASES["default"].setdefault("TEST", {}))
        test_settings["NAME"] = test_settings.get("NAME") or connections["default"].settings_dict["NAME"]
        # tests/conftest.py unhooks close_old_connections for in-process WSGI tests; the server
        # must hook it, or its requests never hand their pooled connections back.
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
        try:
            super().setUpClass()
        finally:
            for signal in (request_started, request_finished):
                signal.disconnect(close_old_connections)

    def setUp(self) -> None:
        super().setUp()
        ARTIFACTS.mkdir(exist_ok=True)
        self.town = Town.objects.create(code="shishan", name="狮山镇", name_en="Shishan", sms_keywords=["狮山"])
        self.people: dict[str, Any] = {}
        for username, role, town in [
            ("dispatcher", Role.DISPATCHER, None),
            ("officer", Role.TOWN_OFFICER, self.town),
            ("town-supervisor", Role.TOWN_SUPERVISOR, self.town),
            ("bureau-supervisor", Role.BUREAU_SUPERVISOR, None),
        ]:
            user = get_user_model().objects.create_user(username, password="a-long-test-password")
            Membership.objects.create(user=user, role=role, town=town)
            self.people[username] = user
        reporter = services.reporter_create(name="王五", phone="13812345678")
        self.case = services.case_create(
            channel="sms",
            reporter=reporter,
            description="狮山某厂夜间违规动火，仓库堆满油漆",
            category="fire_safety",
            suggested_town=self.town,
        ).case

    def shot(self, page: Page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"staff-{name}.png"), full_page=True)

    def log_in(self, browser: Browser, username: str) -> Page:
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{self.live_server_url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "a-long-test-password")
        page.click("main form button[type=submit]")
        if "/accounts/second-factor/" in page.url:
            device = TOTPDevice.objects.create(user=self.people[username], name="phone", confirmed=True)
            page.fill("input[name=token]", totp_code(device))
            page.click("main form button[type=submit]")
        return page

    def closed_in_district(self, page: Page) -> str:
        page.goto(f"{self.live_server_url}/dashboard/")
        return page.locator("[data-testid=town-figures] tfoot td").nth(2).inner_text()

    def test_a_case_travels_from_the_desk_to_closure(self) -> None:
        reference = self.case.reference
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

            bureau = self.log_in(browser, "bureau-supervisor")
            assert self.closed_in_district(bureau) == "0"

            officer = self.log_in(browser, "officer")
            officer.goto(f"{self.live_server_url}/inbox/")
            expect(officer.locator("body")).to_have_attribute("data-live", "open")
            expect(officer.locator(f"tr[data-reference={reference}]")).to_have_count(0)

            dispatcher = self.log_in(browser, "dispatcher")
            dispatcher.goto(f"{self.live_server_url}/desk/")
            self.shot(dispatcher, "desk")
            dispatcher.click(f"a:text('{reference}')")
            dispatcher.select_option("form[action$='/decide/'] select[name=action]", "accept")
            dispatcher.click("form[action$='/decide/'] button[type=submit]")
            town_choice = dispatcher.locator("form[action$='/assign/'] select[name=town]")
            expect(town_choice).to_have_value(str(self.town.pk))  # the suggested town is preselected
            self.shot(dispatcher, "desk-case")
            dispatcher.click("form[action$='/assign/'] button[type=submit]")
            expect(dispatcher.locator(".messages .success")).to_contain_text(reference)

            # No reload: the row arrives through the websocket and htmx, with a visible cue.
            expect(officer.locator(f"tr[data-reference={reference}]")).to_have_count(1)
            expect(officer.locator("#live-cue")).to_contain_text(reference)
            self.shot(officer, "inbox-live")

            officer.click(f"a:text('{reference}')")
            officer.click("button[data-transition=start]")
            officer.select_option("select[name=substantiated]", "yes")
            officer.select_option("select[name=hazard_level]", "ordinary")
            officer.fill("textarea[name=findings_summary]", "现场查实，已责令停止动火并清理仓库")
            officer.click("form[action$='/findings/'] button[type=submit]")
            officer.click("button[data-transition=submit]")
            expect(officer.locator("[data-testid=case-state]")).to_have_text("审核中")
            self.shot(officer, "case-submitted")

            supervisor = self.log_in(browser, "town-supervisor")
            supervisor.goto(f"{self.live_server_url}/cases/{reference}/")
            supervisor.fill("textarea[name=result_for_reporter]", "已查实并整改")
            supervisor.click("button[data-transition=close]")
            expect(supervisor.locator("[data-testid=case-state]")).to_have_text("已办结")
            self.shot(supervisor, "case-closed")

            assert self.closed_in_district(bureau) == "1"
            self.shot(bureau, "dashboard")
            bureau.goto(f"{self.live_server_url}/stats/")
            expect(bureau.locator("table.figures tbody tr")).to_have_count(1)
            self.shot(bureau, "public-stats")
            browser.close()
        case = Case.objects.get(pk=self.case.pk)
        assert case.state == State.CLOSED and case.result_for_reporter == "已查实并整改"
