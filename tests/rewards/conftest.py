"""Helpers for reward tests: reports with a receipt and password, closed through the real services,
so the after-commit handler proposes the reward as it does in production."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.cache import cache

from cases import services
from cases.models import Case, Reporter
from directory.models import Town
from rewards.models import Reward, RewardPolicy
from tests.rewards.helpers import PASSWORD, valid_id_number


@dataclass
class Report:
    case: Case
    receipt: str

    @property
    def reward(self) -> Reward:
        return Reward.objects.get(case=self.case, reporter=self.case.reporter)


@pytest.fixture(autouse=True)
def national_policy(db: Any) -> RewardPolicy:
    """The seeded policy (transactional tests flush it, so make sure it is there)."""
    policy, _ = RewardPolicy.objects.get_or_create(
        version=1, defaults={"effective_from": datetime(2018, 1, 1, tzinfo=UTC)}
    )
    return policy


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def report(users: dict[str, Any], town_a: Town, django_capture_on_commit_callbacks: Any) -> Callable[..., Report]:
    """``report(fine_amount=48000, hazard_level="major")`` → a web report, closed substantiated with
    these findings, after-commit handlers run. ``state="investigating"`` stops earlier."""

    def make(
        *,
        reporter: Reporter | None = None,
        state: str = "closed",
        category: str = "fire_safety",
        substantiated: bool = True,
        hazard_level: str = "ordinary",
        joint: tuple[Reporter, ...] = (),
        on_accepted: Callable[[Case], Any] | None = None,
        **findings: Any,
    ) -> Report:
        reporter = reporter or services.reporter_create(name="张三", phone="13812341234", id_number=valid_id_number())
        with django_capture_on_commit_callbacks(execute=True):
            new = services.case_create(
                channel="web", reporter=reporter, description="消防通道被堵塞", category=category, password=PASSWORD
            )
            case = services.case_accept(case=new.case, by=users["dispatcher"])
            for person in joint:
                case.linked_reporters.create(reporter=person, relation="joint")
            if on_accepted:
                on_accepted(case)
            if state == "accepted":
                return Report(Case.objects.get(pk=case.pk), new.receipt)
            case = services.case_assign(case=case, town=town_a, by=users["dispatcher"])
            case = services.case_start(case=Case.objects.get(pk=case.pk), by=users["officer"])
            case = services.case_findings_record(
                case=case,
                by=users["officer"],
                substantiated=substantiated,
                hazard_level=hazard_level if substantiated else "",
                **findings,
            )
            if state == "investigating":
                return Report(Case.objects.get(pk=case.pk), new.receipt)
            case = services.case_submit(case=Case.objects.get(pk=case.pk), by=users["officer"])
            services.case_close(case=Case.objects.get(pk=case.pk), by=users["town_supervisor"])
        return Report(Case.objects.get(pk=case.pk), new.receipt)

    return make
