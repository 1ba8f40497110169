"""Offering a reward texts the reporter the amount, the claim deadline and where to claim."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from notifications.models import OutboundMessage
from rewards.services import reward_withdraw
from tests.rewards.flows import approved, offered

pytestmark = pytest.mark.django_db


def test_the_offer_sms_names_the_amount_the_deadline_and_the_claim_page(
    report: Callable[..., Any], users: dict[str, Any], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.PUBLIC_BASE_URL = "https://hotline.example.cn"
    case = report().case
    with django_capture_on_commit_callbacks(execute=True):
        reward = offered(case.rewards.get(), users)

    [text] = OutboundMessage.objects.filter(purpose="reward_offered")
    assert str(reward.amount) in text.body
    assert reward.claim_by is not None and reward.claim_by.isoformat() in text.body
    assert "https://hotline.example.cn/report/claim/" in text.body


def test_a_chinese_speaking_reporter_gets_the_offer_in_chinese(
    report: Callable[..., Any], users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    case = report().case
    with django_capture_on_commit_callbacks(execute=True):
        reward = offered(case.rewards.get(), users)

    [text] = OutboundMessage.objects.filter(purpose="reward_offered")
    assert text.body.startswith("【安全生产举报】")
    assert reward.claim_by is not None and reward.claim_by.isoformat() in text.body
    assert "/report/claim/" in text.body


def test_a_reporter_told_of_an_offer_is_told_when_it_is_withdrawn_and_one_never_told_is_not(
    report: Callable[..., Any], users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    offered_case, approved_case = report().case, report().case
    with django_capture_on_commit_callbacks(execute=True):
        reward = offered(offered_case.rewards.get(), users)
        reward_withdraw(reward=reward, by=users["reward_approver"], reason="举报事项经复核不属实")
        quiet = approved(approved_case.rewards.get(), users)
        reward_withdraw(reward=quiet, by=users["reward_approver"], reason="举报事项经复核不属实")

    [text] = OutboundMessage.objects.filter(purpose="reward_withdrawn")
    assert text.case_id == offered_case.pk
    assert str(reward.amount) in text.body and "举报事项经复核不属实" in text.body
    assert text.body.startswith("【安全生产举报】")
