"""Payment details: bank accounts of every kind (cards, passbooks, corporate accounts) and mobile
payment accounts; a card number whose check digit fails is a warning for finance, not a refusal."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from rewards.models import ClaimMethod, RewardClaim, RewardState
from rewards.validators import account_warning, luhn_valid, normalize_bank_account
from tests.pages.conftest import verified_client
from tests.rewards import flows
from tests.rewards.helpers import claim, claim_body, valid_card

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOT_A_CARD = valid_card()[:-1] + str((int(valid_card()[-1]) + 1) % 10)  # one digit off: the check fails


@given(st.from_regex(r"[0-9]{10,30}", fullmatch=True), st.sampled_from(["", " ", "-"]))
def test_any_number_of_10_to_30_digits_is_a_bank_account_however_grouped(digits: str, separator: str) -> None:
    grouped = separator.join(digits[i : i + 4] for i in range(0, len(digits), 4))
    assert normalize_bank_account(f" {grouped} ") == digits


@given(st.one_of(st.from_regex(r"[0-9]{1,9}", fullmatch=True), st.from_regex(r"[0-9]{31,40}", fullmatch=True)))
def test_shorter_or_longer_numbers_are_refused(digits: str) -> None:
    with translation.override("en"), pytest.raises(ValidationError, match="10 to 30 digits"):
        normalize_bank_account(digits)


@given(st.from_regex(r"[0-9]{16}|[0-9]{19}", fullmatch=True))
def test_card_length_numbers_warn_exactly_when_the_check_digit_fails(digits: str) -> None:
    warned = bool(account_warning(ClaimMethod.BANK, digits))
    assert warned is not luhn_valid(digits)


@pytest.mark.parametrize("account", ["123456789012", "1" * 30, "44050170000000000000"])
def test_passbook_and_corporate_accounts_carry_no_warning(account: str) -> None:
    assert account_warning(ClaimMethod.BANK, account) == ""


@pytest.fixture
def offered(report: Any, users: Any) -> Any:
    rep = report()
    flows.offered(rep.reward, users)
    return rep


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "account", "stored"),
    [
        ("bank", "4405 0170 0000 0000 0000", "44050170000000000000"),  # a passbook account, no check digit
        ("bank", "3602 0000 0912", "360200000912"),  # a corporate account
        ("alipay", "Zhang.San@Example.com", "zhang.san@example.com"),
        ("wechat_pay", "+86 139-0000-1111", "+8613900001111"),
    ],
)
def test_accounts_that_are_not_cards_are_accepted(offered: Any, method: str, account: str, stored: str) -> None:
    response = claim(
        offered.receipt, method=method, account=account, bank_name="中国建设银行" if method == "bank" else ""
    )
    assert response.status_code == 201, response.json()
    assert RewardClaim.objects.get().account == stored


@pytest.mark.django_db
def test_finance_is_warned_of_a_card_number_whose_check_digit_fails(offered: Any, users: Any, api_as: Any) -> None:
    assert claim(offered.receipt, account=NOT_A_CARD).status_code == 201
    page = verified_client(users["finance"]).get(f"/rewards/{offered.reward.pk}/", **EN).content.decode()
    assert 'data-testid="account-warning"' in page and "confirm the number with the reporter" in page
    body = api_as("finance").get(f"/api/v1/rewards/{offered.reward.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert "校验位" in body["claim"]["account_warning"]


@pytest.mark.django_db
def test_a_valid_card_gets_no_warning(offered: Any, users: Any) -> None:
    assert claim(offered.receipt, account=valid_card()).status_code == 201
    page = verified_client(users["finance"]).get(f"/rewards/{offered.reward.pk}/", **EN).content.decode()
    assert 'data-testid="account-warning"' not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "A bank account or card number has 10 to 30 digits."), ("zh-hans", "银行账号或卡号应为 10 至 30 位数字。")],
)
def test_a_malformed_account_is_refused_in_the_reporters_language(offered: Any, language: str, message: str) -> None:
    response = APIClient().post(
        "/api/v1/reports/claim/",
        claim_body(offered.receipt, account="6222-0202"),
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["account"] == [message]
    assert offered.reward.state == RewardState.OFFERED and not RewardClaim.objects.exists()
