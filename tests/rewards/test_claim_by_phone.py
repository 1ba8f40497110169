"""SMS and voice reporters set no password: they claim with the receipt and the number they reported from."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cases.models import Case
from cases.selectors import case_for_receipt_and_phone
from rewards.models import RewardClaim, RewardState
from tests.rewards import flows
from tests.rewards.helpers import PASSWORD, claim, claim_body, valid_card, valid_id_number

PHONE = "13812341234"  # the reporter the ``report`` fixture creates reported from this number


def without_password(rep: Any) -> Any:
    """What an SMS or voice report looks like: a receipt was given, no password was ever set."""
    Case.objects.filter(pk=rep.case.pk).update(receipt_password="")
    return rep


@pytest.fixture
def sms_offered(report: Any, users: Any) -> Any:
    rep = without_password(report())
    flows.offered(rep.reward, users)
    return rep


def by_phone(receipt: str, /, *, language: str = "en", **overrides: Any) -> Any:
    """The claim request as an SMS reporter sends it: no password, the phone number instead."""
    body = {key: value for key, value in claim_body(receipt).items() if key != "password"}
    body = {"phone": PHONE, **body, **overrides}
    body = {key: value for key, value in body.items() if value is not None}
    return APIClient().post("/api/v1/reports/claim/", body, format="json", HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", [PHONE, "+86 138-1234-1234", "0086 138 1234 1234"])
def test_an_sms_reporter_claims_with_receipt_and_phone_number(sms_offered: Any, typed: str) -> None:
    response = by_phone(sms_offered.receipt, phone=typed)
    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "claimed"
    stored = RewardClaim.objects.get(reward=sms_offered.reward)
    assert (stored.id_number, stored.account, stored.assisted_by) == (valid_id_number(), valid_card(), None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "wrong",
    [{"phone": "13900009999"}, {"phone": "not a number"}, {"receipt": "1234 5678 9012 3456"}, {"receipt": "12"}],
)
def test_a_wrong_phone_or_receipt_gets_the_same_answer_and_claims_nothing(sms_offered: Any, wrong: Any) -> None:
    response = by_phone(wrong.pop("receipt", sms_offered.receipt), **wrong)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_reward"
    assert sms_offered.reward.state == RewardState.OFFERED
    assert not RewardClaim.objects.exists()


@pytest.mark.django_db
def test_a_report_with_a_password_cannot_be_claimed_by_phone(report: Any, users: Any) -> None:
    rep = report()  # a web report: the password was set, and the phone is no substitute for it
    flows.offered(rep.reward, users)
    assert case_for_receipt_and_phone(rep.receipt, PHONE) is None
    response = by_phone(rep.receipt)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_reward"
    assert not RewardClaim.objects.exists()
    assert claim(rep.receipt).status_code == 201  # the password still works


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "fields"),
    [({}, {"password", "phone"}), ({"password": PASSWORD}, {"password", "phone"})],
)
def test_exactly_one_of_password_and_phone_is_asked_for(sms_offered: Any, given: Any, fields: set[str]) -> None:
    response = by_phone(sms_offered.receipt, **(given or {"phone": None}))
    assert response.status_code == 400
    assert fields <= set(response.json()["error"]["fields"])
    assert not RewardClaim.objects.exists()


@pytest.mark.django_db
def test_the_missing_proof_is_explained_in_chinese(sms_offered: Any) -> None:
    response = by_phone(sms_offered.receipt, phone=None, language="zh-hans")
    assert "电话" in response.json()["error"]["fields"]["phone"][0]


@pytest.mark.django_db
def test_guessing_phone_numbers_is_slowed_by_the_same_limits(sms_offered: Any) -> None:
    answers = [by_phone(sms_offered.receipt, phone=f"1390000{n:04d}").status_code for n in range(5)]
    assert answers == [404] * 5
    assert by_phone(sms_offered.receipt).status_code == 429  # the right number waits now too
    assert claim(sms_offered.receipt).status_code == 429  # and so does the password route
    assert not RewardClaim.objects.exists()


@pytest.mark.django_db
def test_the_claim_page_takes_the_phone_number_instead_of_a_password(sms_offered: Any) -> None:
    page = Client().get("/report/claim/")
    assert 'name="phone"' in page.content.decode()
    form = {
        "receipt": sms_offered.receipt,
        "phone": PHONE,
        "name": "张三",
        "id_number": valid_id_number(),
        "method": "bank",
        "bank_name": "中国工商银行",
        "account": valid_card(),
    }
    wrong = Client().post("/report/claim/", {**form, "phone": "13900009999"})
    assert wrong.status_code == 400
    assert not RewardClaim.objects.exists()
    neither = Client().post("/report/claim/", {**form, "phone": ""})
    assert neither.status_code == 400 and "如未设置密码" in neither.content.decode()
    response = Client().post("/report/claim/", form)
    assert response.status_code == 200
    assert 'data-testid="claimed"' in response.content.decode()
    assert RewardClaim.objects.get().reward == sms_offered.reward
