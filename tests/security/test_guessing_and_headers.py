"""Guessing is slowed down everywhere a secret is typed, and production answers with the security
headers browsers need. Each test covers what the per-feature tests do not (those cover the API
lookup per address, the reward claim, and the headers of a development response)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.ratelimit import LOGIN_LIMITS
from tests.config.test_deploy import ROOT, production_env
from tests.pages.test_login import code_for
from tests.rewards.helpers import PASSWORD
from tests.security.conftest import World

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
TOO_MANY_SIGN_INS = "登录尝试次数过多"


@pytest.fixture(autouse=True)
def _fresh_counters() -> None:
    cache.clear()


def sign_in(username: str, password: str, address: str = "192.0.2.1") -> Any:
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_password_guessing_on_one_account_is_cut_off_even_for_the_right_password(users: dict[str, Any]) -> None:
    limit, _window = LOGIN_LIMITS["account"]
    answers = [sign_in("officer", f"guess-{n}", address=f"192.0.2.{n}").status_code for n in range(limit)]
    assert answers == [200] * limit  # the form again, "user name or password is wrong"

    blocked = sign_in("officer", "pw", address="198.51.100.7")  # the right password, from elsewhere
    assert blocked.status_code == 429
    assert TOO_MANY_SIGN_INS in blocked.content.decode()
    assert "_auth_user_id" not in blocked.client.session

    assert sign_in("town_supervisor", "pw").status_code == 302  # other accounts are not locked out


def test_one_address_trying_many_accounts_is_cut_off(users: dict[str, Any]) -> None:
    limit, _window = LOGIN_LIMITS["address"]
    for n in range(limit):
        sign_in(f"nobody-{n}", "guess", address="203.0.113.5")
    assert sign_in("officer", "pw", address="203.0.113.5").status_code == 429
    assert sign_in("officer", "pw", address="203.0.113.6").status_code == 302


def test_the_counters_forget_after_the_window(users: dict[str, Any]) -> None:
    limit, window = LOGIN_LIMITS["account"]
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(limit):
            sign_in("officer", f"guess-{n}")
        assert sign_in("officer", "pw").status_code == 429
        clock.shift(timedelta(seconds=window + 1))
        assert sign_in("officer", "pw").status_code == 302


def test_second_factor_guessing_is_slowed_down(users: dict[str, Any]) -> None:
    device = TOTPDevice.objects.create(user=users["finance"], name="phone", confirmed=True)
    client = Client()
    client.force_login(users["finance"])
    wrong = "000000" if code_for(device) != "000000" else "111111"
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(3):
            assert client.post("/accounts/second-factor/", {"token": wrong}).status_code == 400
        refused = client.post("/accounts/second-factor/", {"token": code_for(device)})
        assert refused.status_code == 400  # right code, but tried too soon after the wrong ones
        clock.shift(timedelta(minutes=5))
        assert client.post("/accounts/second-factor/", {"token": code_for(device)}).status_code == 302


def test_one_receipt_guessed_from_many_addresses_is_cut_off_on_the_status_page(world: World, settings: Any) -> None:
    settings.HOTLINE_RATE_LIMITS = {"lookup_address": (100, 600), "lookup_receipt": (3, 600)}
    for n in range(3):
        page = Client().post(
            "/report/status/", {"receipt": world.receipt, "password": f"guess-{n}"}, REMOTE_ADDR=f"192.0.2.{n}"
        )
        assert page.status_code != 429
    right = Client().post(
        "/report/status/", {"receipt": world.receipt, "password": PASSWORD}, REMOTE_ADDR="198.51.100.9"
    )
    assert "尝试次数过多" in right.content.decode()  # the page answers the throttle in its form
    assert world.case.get_state_display() not in right.content.decode()


PRODUCTION_REQUEST = """
import json
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="hotline.example.gov.cn")
plain = client.get("/healthz")
secure = client.get("/accounts/login/", secure=True)
print(json.dumps({
    "redirect": [plain.status_code, plain.get("Location", "")],
    "headers": dict(secure.headers),
    "cookies": {name: bool(cookie["secure"]) for name, cookie in secure.cookies.items()},
}))
"""


def test_production_answers_over_https_only_with_hsts_and_the_browser_headers() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_REQUEST],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["redirect"] == [301, "https://hotline.example.gov.cn/healthz"]
    headers = answer["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert answer["cookies"]["csrftoken"] is True
