"""The reporter's claim: POST /api/v1/reports/claim/ with receipt, password, identity and account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import IdentityAccess
from cases.services import reporter_create
from rewards.models import RewardClaim, RewardPolicy, RewardState
from tests.rewards import flows
from tests.rewards.helpers import claim, claim_body, valid_card, valid_id_number


@pytest.fixture
def offered(report: Any, users: Any) -> Any:
    rep = report()
    flows.offered(rep.reward, users)
    return rep


@pytest.mark.django_db
def test_the_reporter_claims_with_receipt_password_identity_and_account(offered: Any) -> None:
    response = claim(offered.receipt)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["state"], body["amount"], body["method"]) == ("claimed", "500.00", "bank")
    assert body["account"].startswith("6222") and "*" in body["account"]
    stored = RewardClaim.objects.get(reward=offered.reward)
    assert (stored.name, stored.id_number, stored.account) == ("张三", valid_id_number(), valid_card())


@pytest.mark.django_db
def test_identity_and_account_are_encrypted_at_rest(offered: Any) -> None:
    claim(offered.receipt)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_number, account FROM rewards_rewardclaim")
        raw = " ".join(cursor.fetchone())
    assert "张三" not in raw and valid_id_number() not in raw and valid_card() not in raw


@pytest.mark.django_db
@pytest.mark.parametrize(
    "wrong", [{"password": "not-my-password"}, {"receipt": "1234 5678 9012 3456"}, {"receipt": "12"}]
)
def test_a_wrong_receipt_or_password_gets_the_same_answer_and_claims_nothing(offered: Any, wrong: Any) -> None:
    response = claim(offered.receipt, **wrong)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_reward"
    assert offered.reward.state == RewardState.OFFERED
    assert not RewardClaim.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "field"),
    [
        ({"id_number": "440605199003071234"}, "id_number"),  # wrong check character
        ({"id_number": "44060519901307123X"}, "id_number"),  # month 13
        ({"id_number": "4406051990"}, "id_number"),
        ({"account": "123456789"}, "account"),  # 9 digits: no bank account is that short
        ({"account": "1" * 31}, "account"),
        ({"account": "6222 0202 0011 223A"}, "account"),
        ({"bank_name": ""}, "bank_name"),
        ({"method": "alipay", "account": "12345"}, "account"),
        ({"method": "paypal"}, "method"),
        ({"name": ""}, "name"),
    ],
)
def test_malformed_identity_or_account_is_refused_naming_the_field(offered: Any, given: Any, field: str) -> None:
    response = claim(offered.receipt, **given)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert offered.reward.state == RewardState.OFFERED


@pytest.mark.django_db
def test_errors_come_in_the_reporters_language(offered: Any) -> None:
    english = APIClient().post(
        "/api/v1/reports/claim/",
        claim_body(offered.receipt, id_number="440605199003071234"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    chinese = APIClient().post(
        "/api/v1/reports/claim/",
        claim_body(offered.receipt, id_number="440605199003071234"),
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "check character" in english.json()["error"]["fields"]["id_number"][0]
    assert "校验" in chinese.json()["error"]["fields"]["id_number"][0]


@pytest.mark.django_db
def test_mobile_payment_accounts_are_accepted(offered: Any) -> None:
    response = claim(offered.receipt, method="alipay", account="139 0000 1111", bank_name="")
    assert response.status_code == 201
    assert RewardClaim.objects.get().account == "+8613900001111"


@pytest.mark.django_db
def test_someone_elses_identity_cannot_claim_a_named_reporters_reward(offered: Any) -> None:
    response = claim(offered.receipt, id_number=valid_id_number("11010519491231002"))
    assert response.status_code == 403
    assert "id_number" in response.json()["error"]["fields"]
    assert not RewardClaim.objects.exists()


@pytest.mark.django_db
def test_a_receipt_claims_only_its_own_reward(report: Any, users: Any) -> None:
    mine = report()
    other = report(reporter=reporter_create(name="王五", phone="13900002222"))
    flows.offered(other.reward, users)  # mine is not offered yet
    response = claim(mine.receipt)
    assert response.status_code == 409
    assert other.reward.state == RewardState.OFFERED


@pytest.mark.django_db
def test_day_60_after_the_offer_is_still_in_time(offered: Any) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=60), tick=False):
        response = claim(offered.receipt)
    assert response.status_code == 201


@pytest.mark.django_db
def test_a_claim_on_day_61_is_refused_and_moves_no_money(offered: Any) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=61), tick=False):
        response = claim(offered.receipt)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "claim_window_closed"
    assert offered.reward.state == RewardState.OFFERED
    assert not RewardClaim.objects.exists()


@pytest.mark.django_db
def test_a_second_claim_is_refused(offered: Any) -> None:
    assert claim(offered.receipt).status_code == 201
    again = claim(offered.receipt, account=valid_card("621700000000000000"))
    assert again.status_code == 409
    assert RewardClaim.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_reporters_claim_only_where_the_policy_allows(
    report: Any, users: Any, national_policy: RewardPolicy
) -> None:
    rep = report(reporter=reporter_create(anonymous=True))
    flows.offered(rep.reward, users)
    RewardPolicy.objects.filter(pk=national_policy.pk).update(anonymous_claims_allowed=False)
    assert claim(rep.receipt).status_code == 403
    RewardPolicy.objects.filter(pk=national_policy.pk).update(anonymous_claims_allowed=True)
    assert claim(rep.receipt).status_code == 201


@pytest.mark.django_db
def test_guessing_receipts_is_slowed_down(offered: Any) -> None:
    answers = [claim(offered.receipt, password=f"guess-{n}").status_code for n in range(6)]
    assert answers == [404] * 5 + [429]
    assert claim(offered.receipt).status_code == 429  # even the right password waits now


@pytest.mark.django_db
def test_finance_sees_payment_details_only_with_a_reason_and_on_record(offered: Any, api_as: Any, users: Any) -> None:
    claim(offered.receipt)
    url = f"/api/v1/rewards/{offered.reward.pk}/payment-details/"
    assert api_as("reward_approver").post(url, {"reason": "看看"}, format="json").status_code == 403
    assert api_as("finance").post(url, {"reason": ""}, format="json").status_code == 400
    assert not IdentityAccess.objects.exists()
    details = api_as("finance").post(url, {"reason": "发放奖金"}, format="json").json()
    assert (details["name"], details["account"]) == ("张三", valid_card())
    access = IdentityAccess.objects.get()
    assert (access.user, access.purpose, access.reason, access.case_id) == (
        users["finance"],
        "reward_payment",
        "发放奖金",
        offered.case.pk,
    )
