"""Only the first accepted report of a matter earns; merged duplicates earn nothing; joint reporters share."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from cases import services as case_services
from cases.models import Case
from cases.services import reporter_create
from rewards.models import JointSplit, Reward, RewardPolicy
from tests.rewards import flows
from tests.rewards.helpers import PASSWORD, claim


def received(name: str, phone: str) -> Any:
    return case_services.case_create(
        channel="sms",
        reporter=reporter_create(name=name, phone=phone),
        description="同一处隐患",
        category="fire_safety",
        password=PASSWORD,
    )


@pytest.mark.django_db
def test_a_later_duplicate_merged_into_the_first_report_earns_nothing(report: Any, users: Any) -> None:
    later = None

    def merge_a_later_duplicate(first: Case) -> None:
        nonlocal later
        later = received("李四", "13900003333")
        case_services.case_merge(case=later.case, into=first, by=users["dispatcher"])

    first = report(on_accepted=merge_a_later_duplicate)
    assert later is not None
    assert [r.reporter_id for r in Reward.objects.all()] == [first.case.reporter_id]
    flows.offered(first.reward, users)
    assert claim(later.receipt).status_code == 404
    assert claim(first.receipt).status_code == 201


@pytest.mark.django_db
def test_an_earlier_report_merged_into_the_accepted_one_earns_nothing(report: Any, users: Any) -> None:
    earlier = received("李四", "13900003333")  # came in first, but was never accepted

    def merge_the_earlier_report(accepted: Case) -> None:
        case_services.case_merge(case=earlier.case, into=accepted, by=users["dispatcher"])

    accepted = report(on_accepted=merge_the_earlier_report)
    assert earlier.case.created_at < accepted.case.created_at
    assert [r.reporter_id for r in Reward.objects.all()] == [accepted.case.reporter_id]
    assert Case.objects.get(pk=earlier.case.pk).merged_into_id == accepted.case.pk
    flows.offered(accepted.reward, users)
    assert claim(earlier.receipt).status_code == 404


@pytest.mark.django_db
def test_joint_reporters_share_equally_and_the_fen_adds_up(report: Any) -> None:
    partners = (reporter_create(name="赵六", phone="13900004444"), reporter_create(name="钱七", phone="13900005555"))
    rep = report(joint=partners)
    rewards = list(Reward.objects.filter(case=rep.case).order_by("id"))
    assert [r.reporter_id for r in rewards] == [rep.case.reporter_id, *(p.pk for p in partners)]
    assert [r.amount for r in rewards] == [Decimal("166.68"), Decimal("166.66"), Decimal("166.66")]
    assert sum(r.amount for r in rewards) == Decimal("500.00")
    assert {r.share for r in rewards} == {"1/3"}


@pytest.mark.django_db
def test_the_policy_may_give_everything_to_the_first_reporter(report: Any, national_policy: RewardPolicy) -> None:
    RewardPolicy.objects.filter(pk=national_policy.pk).update(joint_split=JointSplit.FIRST_REPORTER)
    rep = report(joint=(reporter_create(name="赵六", phone="13900004444"),))
    [reward] = Reward.objects.filter(case=rep.case)
    assert (reward.reporter_id, reward.amount) == (rep.case.reporter_id, Decimal("500.00"))


@pytest.mark.django_db
def test_the_second_approval_threshold_looks_at_the_total_not_the_shares(report: Any) -> None:
    rep = report(
        hazard_level="major",
        fine_amount=Decimal("400000"),  # ¥60,000 shared by two
        joint=(reporter_create(name="赵六", phone="13900004444"),),
    )
    rewards = list(Reward.objects.filter(case=rep.case))
    assert [r.amount for r in rewards] == [Decimal("30000.00"), Decimal("30000.00")]
    assert all(r.needs_second_approval for r in rewards)
