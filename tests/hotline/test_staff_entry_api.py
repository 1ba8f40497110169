"""POST /api/v1/intake/ — operators enter letters, visits and calls on the reporter's behalf."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from cases.models import Case, Channel
from cases.selectors import case_for_receipt

INTAKE = "/api/v1/intake/"


def letter(**overrides: Any) -> dict[str, Any]:
    return {
        "channel": "letter",
        "category": "illegal_production",
        "description": "来信反映某厂无证生产",
        "name": "王五",
        "phone": "13911112222",
        "id_number": "440605199001011234",
        **overrides,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("channel", [Channel.LETTER, Channel.VISIT, Channel.OPERATOR_CALL])
def test_an_operator_enters_a_report_with_its_channel(
    api_as: Callable[[str], APIClient], users: dict[str, Any], channel: str
) -> None:
    response = api_as("intake").post(INTAKE, letter(channel=channel), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get()
    assert case.reference == body["reference"] and case_for_receipt(body["receipt"]) == case
    assert case.channel == channel and case.entered_by == users["intake"]
    assert case.reporter.name == "王五" and case.reporter.phone == "+8613911112222"
    assert case.reporter.id_number == "440605199001011234"
    assert case.events.get().actor == users["intake"]


@pytest.mark.django_db
def test_an_agreed_password_lets_the_reporter_look_it_up_later(api_as: Callable[[str], APIClient]) -> None:
    receipt = api_as("dispatcher").post(INTAKE, letter(password="agreed-pw"), format="json").json()["receipt"]
    response = APIClient().post("/api/v1/reports/lookup/", {"receipt": receipt, "password": "agreed-pw"}, format="json")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["officer", "town_supervisor", "finance", "reward_approver", None])
def test_only_intake_roles_may_enter_reports(api_as: Callable[[str | None], APIClient], persona: str | None) -> None:
    response = api_as(persona).post(INTAKE, letter(), format="json")
    assert response.status_code in {401, 403}
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_web_and_voice_are_not_staff_channels(api_as: Callable[[str], APIClient]) -> None:
    response = api_as("intake").post(INTAKE, letter(channel="web"), format="json")
    assert response.status_code == 400 and "channel" in response.json()["error"]["fields"]
