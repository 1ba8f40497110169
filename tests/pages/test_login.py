"""Staff login: password, then TOTP enrolment or verification for bureau roles; session settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def log_in(username: str, next_url: str = "") -> tuple[Client, Any]:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": "pw", "next": next_url})
    return client, response


def test_wrong_password_is_refused_with_a_message(users: dict[str, Any]) -> None:
    response = Client().post("/accounts/login/", {"username": "officer", "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_officer_logs_in_with_a_password_only(users: dict[str, Any]) -> None:
    client, response = log_in("officer")
    assert response["Location"] == "/staff/"
    assert client.get("/inbox/").status_code == 200


def test_dispatcher_enrols_a_totp_device_then_reaches_the_desk(users: dict[str, Any]) -> None:
    client, _ = log_in("dispatcher", "/desk/")
    assert client.get("/desk/")["Location"].startswith("/accounts/second-factor/")
    page = client.get("/accounts/second-factor/?next=/desk/")
    assert page.context["enrolling"] and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=users["dispatcher"])
    assert not device.confirmed
    wrong = client.post(
        "/accounts/second-factor/", {"token": "000000" if code_for(device) != "000000" else "111111", "next": "/desk/"}
    )
    assert wrong.status_code == 400 and "验证码错误" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0  # the wrong code above started throttling; wait it out
    device.throttling_failure_timestamp = None
    device.save()
    right = client.post("/accounts/second-factor/", {"token": code_for(device), "next": "/desk/"})
    assert right["Location"] == "/desk/"
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get("/desk/").status_code == 200


def test_a_confirmed_device_is_asked_for_a_code_without_showing_the_key(users: dict[str, Any]) -> None:
    device = TOTPDevice.objects.create(user=users["finance"], name="phone", confirmed=True)
    client, _ = log_in("finance")
    page = client.get("/accounts/second-factor/")
    assert not page.context["enrolling"] and "totp-secret" not in page.content.decode()
    assert client.post("/accounts/second-factor/", {"token": code_for(device)})["Location"] == "/staff/"


def test_next_may_not_point_to_another_site(users: dict[str, Any]) -> None:
    device = TOTPDevice.objects.create(user=users["administrator"], name="phone", confirmed=True)
    client, _ = log_in("administrator")
    response = client.post("/accounts/second-factor/", {"token": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/staff/"


def test_staff_sessions_time_out_when_idle_and_on_browser_close() -> None:
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600


def test_logout_ends_the_session(users: dict[str, Any]) -> None:
    client, _ = log_in("officer")
    client.post("/accounts/logout/")
    assert client.get("/inbox/").status_code == 302
