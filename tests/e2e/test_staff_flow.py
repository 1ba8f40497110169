"""A report's whole day in a real browser, from a reporter's phone to the reward paid.

A reporter on a phone-sized screen files a report with a photo, keeps the receipt and looks the
report up; the dispatcher accepts it and assigns the suggested town; the officer's inbox, open in
another browser, shows it without a reload; the officer investigates and records findings, the
town supervisor closes it substantiated; the reward the system proposes is approved by two
different approvers (maker-checker), offered, claimed by the reporter with receipt and password,
and paid by finance; the bureau dashboard shows the closed case and the reward paid. Screenshots of
each page go to ``test-artifacts/``.
"""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any, cast

from channels.testing import ChannelsLiveServerTestCase
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from cases.models import Case, State
from directory.models import Membership, Role, Town
from rewards.models import Budget, Reward, RewardPolicy, RewardState
from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS
from tests.rewards.helpers import valid_card, valid_id_number

TIMEOUT_MS = 15_000
PASSWORD = "a-long-test-password"
REPORTER_PASSWORD = "my-secret-1"
STAFF = [
    ("dispatcher", Role.DISPATCHER, False),
    ("officer", Role.TOWN_OFFICER, True),
    ("town-supervisor", Role.TOWN_SUPERVISOR, True),
    ("bureau-supervisor", Role.BUREAU_SUPERVISOR, False),
    ("approver", Role.REWARD_APPROVER, False),
    ("second-approver", Role.REWARD_APPROVER, False),
    ("finance", Role.FINANCE, False),
]

UNLABELLED_FIELDS = """() => [...document.querySelectorAll("input:not([type=hidden]), select, textarea")]
    .filter(field => !field.labels.length
        && !field.getAttribute("aria-label") && !field.getAttribute("aria-labelledby"))
    .map(field => field.name || field.id)"""


def totp_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def zh(label: Promise) -> str:
    """What a Chinese page shows for ``label``."""
    with translation.override("zh-hans"):
        return str(label)


def photo() -> bytes:
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 30)).save(image, format="JPEG")
    return image.getvalue()


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
        cache.clear()  # rate limits of earlier runs (the mailbox allows 20 reports an hour per address)
        self.town = Town.objects.create(code="shishan", name="狮山镇", name_en="Shishan", sms_keywords=["狮山"])
        self.people: dict[str, Any] = {}
        for username, role, in_town in STAFF:
            user = get_user_model().objects.create_user(username, password=PASSWORD)
            Membership.objects.create(user=user, role=role, town=self.town if in_town else None)
            self.people[username] = user
        # The district asks two approvers for every reward: a policy version in force from now on.
        latest = RewardPolicy.objects.aggregate(version=Max("version"))["version"] or 0
        RewardPolicy.objects.create(
            version=latest + 1,
            effective_from=timezone.now() - timedelta(minutes=1),
            second_approval_above=Decimal("0"),
        )
        Budget.objects.create(year=timezone.localdate().year, town=self.town, amount=Decimal("10000"))

    def shot(self, page: Page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"staff-{name}.png"), full_page=True)

    def log_in(self, browser: Browser, username: str) -> Page:
        page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{self.live_server_url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")
        if "/accounts/second-factor/" in page.url:
            device = TOTPDevice.objects.create(user=self.people[username], name="phone", confirmed=True)
            page.fill("input[name=token]", totp_code(device))
            page.click("main form button[type=submit]")
        return page

    def phone(self, playwright: Playwright, browser: Browser) -> Page:
        page = browser.new_context(**playwright.devices["Pixel 5"], locale="zh-CN").new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    def assert_fits_the_screen(self, page: Page) -> None:
        """Nothing wider than the phone: no sideways scrolling to reach a field or a button."""
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
        self.assert_fields_are_labelled(page)

    def assert_fields_are_labelled(self, page: Page) -> None:
        """A screen reader names every field: a <label> or an aria label for each one."""
        unlabelled = page.evaluate(UNLABELLED_FIELDS)
        assert unlabelled == [], (page.url, unlabelled)

    def file_a_report(self, reporter: Page) -> str:
        """The reporter's part: the form with a photo, the receipt shown once, the lookup."""
        reporter.goto(f"{self.live_server_url}/report/")
        self.assert_fits_the_screen(reporter)
        reporter.select_option("select[name=category]", "fire_safety")
        reporter.select_option("select[name=town]", label="狮山镇")
        reporter.fill("input[name=enterprise_name]", "狮山某五金厂")
        reporter.fill("textarea[name=description]", "狮山某厂夜间违规动火，仓库堆满油漆")
        reporter.set_input_files(
            "input[name=attachments]", files=[{"name": "hazard.jpg", "mimeType": "image/jpeg", "buffer": photo()}]
        )
        reporter.fill("input[name=password]", REPORTER_PASSWORD)
        reporter.fill("input[name=password_again]", REPORTER_PASSWORD)
        self.shot(reporter, "phone-report")
        reporter.click("form.public-form button[type=submit]")
        receipt = reporter.locator("#receipt").inner_text().strip()
        self.assert_fits_the_screen(reporter)
        self.shot(reporter, "phone-receipt")

        reporter.click("a[href='/report/status/']")
        reporter.fill("input[name=receipt]", receipt)
        reporter.fill("input[name=password]", REPORTER_PASSWORD)
        reporter.click("form.public-form button[type=submit]")
        expect(reporter.locator("h2#state")).to_contain_text(
            zh(pgettext_lazy("reporter status", "Received, waiting for a decision"))
        )
        self.assert_fits_the_screen(reporter)
        self.shot(reporter, "phone-status")
        return receipt

    def dashboard_figures(self, bureau: Page) -> tuple[str, str, str, str]:
        """As the dashboard shows them: cases closed in the district, rewards paid this month (count
        and yuan), and the town's reward budget used (yuan)."""
        bureau.goto(f"{self.live_server_url}/dashboard/")
        closed = bureau.locator("[data-testid=town-figures] tfoot td").nth(2).inner_text()
        month = bureau.locator(f"[data-testid=reward-months] tr[data-month='{timezone.localdate():%Y-%m}'] td")
        budget = bureau.locator("[data-testid=reward-budget] tbody tr", has_text=self.town.name).locator("td")
        return closed, month.nth(4).inner_text(), month.nth(5).inner_text(), budget.nth(2).inner_text()

    def test_a_report_travels_from_the_reporters_phone_to_the_reward_paid(self) -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            reporter = self.phone(playwright, browser)
            receipt = self.file_a_report(reporter)
            case = Case.objects.get()
            reference = case.reference

            bureau = self.log_in(browser, "bureau-supervisor")
            assert self.dashboard_figures(bureau) == ("0", "0", "0.00", "0.00")

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
            expect(town_choice).to_have_value(str(self.town.pk))  # the reporter's town is suggested
            self.shot(dispatcher, "desk-case")
            dispatcher.click("form[action$='/assign/'] button[type=submit]")
            expect(dispatcher.locator(".messages .success")).to_contain_text(reference)
            dispatcher.context.close()

            # No reload: the row arrives through the websocket and htmx, with a visible cue.
            expect(officer.locator(f"tr[data-reference={reference}]")).to_have_count(1)
            expect(officer.locator("#live-cue")).to_contain_text(reference)
            self.assert_fields_are_labelled(officer)
            self.shot(officer, "inbox-live")

            officer.click(f"a:text('{reference}')")
            expect(officer.locator("img[alt='举报照片']")).to_have_count(1)  # the photo, stripped copy
            officer.click("button[data-transition=start]")
            officer.select_option("select[name=substantiated]", "yes")
            officer.select_option("select[name=hazard_level]", "ordinary")
            officer.fill("textarea[name=findings_summary]", "现场查实，已责令停止动火并清理仓库")
            officer.click("form[action$='/findings/'] button[type=submit]")
            officer.click("button[data-transition=submit]")
            expect(officer.locator("[data-testid=case-state]")).to_have_text("审核中")
            self.shot(officer, "case-submitted")
            officer.context.close()

            supervisor = self.log_in(browser, "town-supervisor")
            supervisor.goto(f"{self.live_server_url}/cases/{reference}/")
            supervisor.fill("textarea[name=result_for_reporter]", "已查实并整改")
            supervisor.click("button[data-transition=close]")
            expect(supervisor.locator("[data-testid=case-state]")).to_have_text("已办结")
            self.shot(supervisor, "case-closed")
            supervisor.context.close()

            self.approve_offer_claim_and_pay(browser, reporter, reference, receipt)

            assert self.dashboard_figures(bureau) == ("1", "1", "500.00", "500.00")
            self.assert_fields_are_labelled(bureau)
            self.shot(bureau, "dashboard")
            bureau.goto(f"{self.live_server_url}/stats/")
            expect(bureau.locator("table.figures tbody tr")).to_have_count(1)
            self.shot(bureau, "public-stats")
            browser.close()
        case = Case.objects.get(pk=case.pk)
        assert case.state == State.CLOSED and case.result_for_reporter == "已查实并整改"
        reward = Reward.objects.get(case=case)
        assert reward.state == RewardState.PAID
        assert {reward.first_approved_by, reward.second_approved_by} == {
            self.people["approver"],
            self.people["second-approver"],
        }

    def approve_offer_claim_and_pay(self, browser: Browser, reporter: Page, reference: str, receipt: str) -> None:
        """Maker-checker: one approver cannot approve twice; a second one must. Then the offer,
        the reporter's claim on the phone, and the payout by finance."""
        approver = self.log_in(browser, "approver")
        approver.goto(f"{self.live_server_url}/rewards/")
        approver.locator("[data-testid=rewards] tr", has_text=reference).locator("a").click()
        reward_url = approver.url
        expect(approver.locator("[data-testid=reward-amount]")).to_have_text("500.00")
        approver.click("button[data-action=approve]")
        expect(approver.locator("[data-testid=maker-checker]")).to_be_visible()
        expect(approver.locator("button[data-action=approve]")).to_have_count(0)
        expect(approver.locator("[data-testid=reward-state]")).to_have_text(zh(RewardState.PROPOSED.label))
        self.shot(approver, "reward-first-approval")
        approver.context.close()

        second = self.log_in(browser, "second-approver")
        second.goto(reward_url)
        second.click("button[data-action=approve]")
        expect(second.locator("[data-testid=reward-state]")).to_have_text(zh(RewardState.APPROVED.label))
        second.click("button[data-action=offer]")
        expect(second.locator("[data-testid=reward-state]")).to_have_text(zh(RewardState.OFFERED.label))
        second.context.close()

        reporter.goto(f"{self.live_server_url}/report/status/")  # the opened report, same phone
        expect(reporter.locator("[data-testid=reward]")).to_contain_text("500.00")
        reporter.click("[data-testid=reward] a.button")
        reporter.fill("input[name=receipt]", receipt)
        reporter.fill("input[name=password]", REPORTER_PASSWORD)
        reporter.fill("input[name=name]", "王五")
        reporter.fill("input[name=id_number]", valid_id_number())
        reporter.select_option("select[name=method]", "bank")
        reporter.fill("input[name=bank_name]", "中国工商银行")
        reporter.fill("input[name=account]", valid_card())
        self.assert_fits_the_screen(reporter)
        self.shot(reporter, "phone-claim")
        reporter.click("form.public-form button[type=submit]")
        expect(reporter.locator("[data-testid=claimed]")).to_contain_text("500.00")

        finance = self.log_in(browser, "finance")
        finance.goto(reward_url)
        finance.select_option("select[name=method]", "bank_transfer")
        finance.fill("input[name=reference]", "TX-2026-0001")
        finance.click("button[data-action=pay]")
        expect(finance.locator("[data-testid=reward-state]")).to_have_text(zh(RewardState.PAID.label))
        self.shot(finance, "reward-paid")
        finance.context.close()

        reporter.goto(f"{self.live_server_url}/report/status/")
        expect(reporter.locator("h2#state")).to_contain_text(zh(pgettext_lazy("reporter status", "Closed")))
        expect(reporter.locator("[data-testid=reward]")).to_contain_text(f"{timezone.localdate():%Y-%m-%d}")
        self.shot(reporter, "phone-status-paid")
