"""Unclaimed offers expire after the claim window, by a scheduled task, releasing their money."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cases.models import CaseEvent
from rewards.models import EntryKind, LedgerEntry, RewardState
from rewards.selectors import ledger_totals
from rewards.tasks import expire_unclaimed_offers
from tests.rewards import flows
from tests.rewards.helpers import claim


@pytest.fixture
def offer(report: Any, users: Any) -> Any:
    rep = report()
    flows.offered(rep.reward, users)
    return rep


@pytest.mark.django_db
def test_an_offer_is_kept_through_the_last_day_of_the_window(offer: Any) -> None:
    with time_machine.travel(timezone.now() + timedelta(days=60), tick=False):
        result = expire_unclaimed_offers.enqueue()
    assert result.return_value == 0
    assert offer.reward.state == RewardState.OFFERED


@pytest.mark.django_db
def test_the_task_expires_an_unclaimed_offer_and_releases_its_money(offer: Any) -> None:
    assert ledger_totals()["used"] == Decimal("500.00")
    with time_machine.travel(timezone.now() + timedelta(days=61), tick=False):
        result = expire_unclaimed_offers.enqueue()
    assert result.return_value == 1
    assert offer.reward.state == RewardState.EXPIRED
    release = LedgerEntry.objects.get(reward=offer.reward, kind=EntryKind.RELEASE)
    assert release.amount == Decimal("-500.00")
    assert ledger_totals()["used"] == Decimal("0.00")
    event = CaseEvent.objects.filter(case=offer.case, kind="reward").last()
    assert event is not None and event.name == "expired"
    assert claim(offer.receipt).status_code == 409


@pytest.mark.django_db
def test_expiring_twice_changes_nothing_and_claimed_rewards_never_expire(report: Any, users: Any, capsys: Any) -> None:
    unclaimed, claimed = report(), report()
    flows.offered(unclaimed.reward, users)
    flows.claimed(claimed.reward, claimed.receipt, users)
    with time_machine.travel(timezone.now() + timedelta(days=90), tick=False):
        call_command("expire_reward_offers")
        call_command("expire_reward_offers")
    assert capsys.readouterr().out.splitlines() == ["expired 1 offer(s)", "expired 0 offer(s)"]
    assert unclaimed.reward.state == RewardState.EXPIRED
    assert claimed.reward.state == RewardState.CLAIMED
    assert LedgerEntry.objects.filter(kind=EntryKind.RELEASE).count() == 1


@pytest.mark.django_db
def test_offering_queues_the_expiry_sweep_for_the_day_after_the_window(
    report: Any, users: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rep = report()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}
    with django_capture_on_commit_callbacks(execute=True):
        reward = flows.offered(rep.reward, users)
    [sweep] = DBTaskResult.objects.filter(task_path="rewards.tasks.expire_unclaimed_offers")
    assert reward.claim_by is not None
    assert timezone.localtime(sweep.run_after).date() == reward.claim_by + timedelta(days=1)

    # What a db_worker does when it polls: run what is ready. (The worker command itself closes the
    # test's database connection, so the queued task is run here the way the worker would run it.)
    with time_machine.travel(sweep.run_after - timedelta(minutes=1), tick=False):
        assert not DBTaskResult.objects.ready().filter(pk=sweep.pk).exists()
    with time_machine.travel(sweep.run_after + timedelta(minutes=1), tick=False):
        [due] = DBTaskResult.objects.ready().filter(task_path="rewards.tasks.expire_unclaimed_offers")
        assert due.task.call() == 1
    assert flows.fresh(reward).state == RewardState.EXPIRED
