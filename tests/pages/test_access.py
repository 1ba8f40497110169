"""Every staff page, for every persona: who gets in, who is turned away, and how."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import PERSONAS
from tests.pages.conftest import verified_client

# page → personas that may open it (everyone else gets 403)
PAGES = {
    "/desk/": {"intake", "dispatcher", "bureau_supervisor"},
    "/desk/new/": {"intake", "dispatcher", "bureau_supervisor"},
    "/inbox/": {"dispatcher", "bureau_supervisor", "officer", "town_supervisor", "outsider"},
    "/dashboard/": {"dispatcher", "bureau_supervisor", "administrator", "reward_approver", "finance"},
    "/dashboard/export.csv": {"dispatcher", "bureau_supervisor", "administrator", "reward_approver", "finance"},
}


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_role_reaches_exactly_its_pages(users: dict[str, Any], path: str, persona: str) -> None:
    response = verified_client(users[persona]).get(path)
    assert response.status_code == (200 if persona in PAGES[path] else 403)


@pytest.mark.parametrize("path", [*PAGES, "/staff/"])
def test_anonymous_visitors_are_sent_to_the_login(db: Any, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("persona", ["dispatcher", "bureau_supervisor", "reward_approver", "finance", "administrator"])
def test_bureau_roles_must_pass_the_second_factor(users: dict[str, Any], persona: str) -> None:
    client = Client()
    client.force_login(users[persona])
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/second-factor/?next=")


@pytest.mark.parametrize("persona", ["intake", "officer", "town_supervisor"])
def test_town_roles_and_intake_need_no_second_factor(users: dict[str, Any], persona: str) -> None:
    client = Client()
    client.force_login(users[persona])
    assert client.get("/staff/").status_code == 302
    assert "second-factor" not in client.get("/staff/")["Location"]


def test_a_user_without_a_role_is_refused(db: Any, django_user_model: Any) -> None:
    client = Client()
    client.force_login(django_user_model.objects.create_user("nobody", password="pw"))
    assert client.get("/inbox/").status_code == 403


@pytest.mark.parametrize(
    ("persona", "landing"), [("intake", "/desk/"), ("officer", "/inbox/"), ("finance", "/dashboard/")]
)
def test_staff_home_sends_each_role_to_its_work(users: dict[str, Any], persona: str, landing: str) -> None:
    assert verified_client(users[persona]).get("/staff/")["Location"] == landing


def test_public_statistics_need_no_login(db: Any) -> None:
    assert Client().get("/stats/").status_code == 200


def test_pages_default_to_chinese_and_switch_to_english(users: dict[str, Any]) -> None:
    client = verified_client(users["officer"])
    assert "收件箱" in client.get("/inbox/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/inbox/"})
    assert "Inbox" in client.get("/inbox/").content.decode()
