"""The ledger: append-only, payouts exactly once (double clicks, 20 simultaneous requests), budgets."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models.event import AppendOnlyError
from rewards.models import Budget, EntryKind, LedgerEntry, RewardState
from rewards.selectors import ledger_totals
from tests.rewards import flows


def pay_body(key: str | None = None) -> dict[str, Any]:
    return {
        "method": "bank_transfer",
        "reference": "ICBC-20261129-001",
        "paid_on": timezone.localdate().isoformat(),
        "idempotency_key": key or uuid.uuid4().hex,
    }


@pytest.fixture
def claimed(report: Any, users: Any) -> Any:
    rep = report(hazard_level="major", fine_amount=Decimal("48000"))
    flows.claimed(rep.reward, rep.receipt, users)
    return rep


@pytest.mark.django_db
def test_entries_cannot_be_changed_or_deleted_in_code(claimed: Any) -> None:
    entry = LedgerEntry.objects.get(reward=claimed.reward)
    entry.amount = Decimal("1")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.django_db
def test_the_database_refuses_rewriting_the_ledger(claimed: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the refusing trigger is installed on PostgreSQL, the production database")
    for statement in ("UPDATE rewards_ledgerentry SET amount = 1", "DELETE FROM rewards_ledgerentry"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert LedgerEntry.objects.get(reward=claimed.reward).amount == Decimal("7200.00")


@pytest.mark.django_db
def test_a_double_click_on_pay_pays_once(claimed: Any, api_as: Any) -> None:
    client = api_as("finance")
    url = f"/api/v1/rewards/{claimed.reward.pk}/pay/"
    first = client.post(url, pay_body(), format="json")
    second = client.post(url, pay_body(), format="json")
    assert first.status_code == 200 and first.json()["state"] == "paid"
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "already_paid"
    assert "ICBC-20261129-001" in second.json()["error"]["message"]
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYOUT).count() == 1
    assert ledger_totals()["paid"] == Decimal("7200.00")


@pytest.mark.django_db
def test_a_payment_key_is_never_reused_for_another_reward(report: Any, users: Any, api_as: Any) -> None:
    one, two = report(hazard_level="major"), report(hazard_level="major")
    for rep in (one, two):
        flows.claimed(rep.reward, rep.receipt, users)
    client = api_as("finance")
    assert client.post(f"/api/v1/rewards/{one.reward.pk}/pay/", pay_body("key-1"), format="json").status_code == 200
    reused = client.post(f"/api/v1/rewards/{two.reward.pk}/pay/", pay_body("key-1"), format="json")
    assert reused.status_code == 409 and "idempotency_key" in reused.json()["error"]["fields"]
    assert two.reward.state == RewardState.CLAIMED


@pytest.mark.django_db
def test_a_payment_needs_a_key_and_a_date_that_has_happened(claimed: Any, api_as: Any) -> None:
    client = api_as("finance")
    url = f"/api/v1/rewards/{claimed.reward.pk}/pay/"
    keyless = {k: v for k, v in pay_body().items() if k != "idempotency_key"}
    assert "idempotency_key" in client.post(url, keyless, format="json").json()["error"]["fields"]
    assert client.post(url, keyless, format="json", HTTP_IDEMPOTENCY_KEY="hdr-1").status_code == 200
    assert LedgerEntry.objects.get(kind=EntryKind.PAYOUT).idempotency_key == "hdr-1"


@pytest.mark.django_db
def test_a_future_payment_date_is_refused(claimed: Any, api_as: Any) -> None:
    body = pay_body() | {"paid_on": (timezone.localdate() + timezone.timedelta(days=1)).isoformat()}
    response = api_as("finance").post(f"/api/v1/rewards/{claimed.reward.pk}/pay/", body, format="json")
    assert response.status_code == 400 and "paid_on" in response.json()["error"]["fields"]
    assert not LedgerEntry.objects.filter(kind=EntryKind.PAYOUT).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_key", [True, False], ids=["one-retried-request", "twenty-separate-clicks"])
def test_twenty_simultaneous_payouts_pay_exactly_once(claimed: Any, users: Any, same_key: bool) -> None:
    url = f"/api/v1/rewards/{claimed.reward.pk}/pay/"
    start = threading.Barrier(20)
    shared_key = uuid.uuid4().hex

    def record_payout(_: int) -> Any:
        client = APIClient()
        client.force_authenticate(users["finance"])
        try:
            start.wait()
            return client.post(url, pay_body(shared_key if same_key else None), format="json")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(record_payout, range(20)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 19, [r.json() for r in responses if r.status_code not in (200, 409)]
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["error"]["code"] in {"already_paid", "concurrent_change"}
        assert refused.json()["error"]["message"]
    assert LedgerEntry.objects.filter(reward=claimed.reward, kind=EntryKind.PAYOUT).count() == 1
    assert ledger_totals()["paid"] == Decimal("7200.00")


@pytest.mark.django_db
def test_approval_beyond_the_budget_is_refused_and_books_nothing(
    report: Any, users: Any, town_a: Any, api_as: Any
) -> None:
    Budget.objects.create(year=timezone.localdate().year, town=town_a, amount=Decimal("4000"))
    first = report(hazard_level="major")  # ¥3,000
    second = report(hazard_level="major")
    flows.approved(first.reward, users)
    response = api_as("reward_approver").post(f"/api/v1/rewards/{second.reward.pk}/approve/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "budget_exhausted"
    assert "¥1,000" in response.json()["error"]["message"]
    assert second.reward.state == RewardState.PROPOSED
    assert LedgerEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_reversal_is_a_new_entry_and_the_payout_stays(claimed: Any, users: Any, api_as: Any) -> None:
    api_as("finance").post(f"/api/v1/rewards/{claimed.reward.pk}/pay/", pay_body(), format="json")
    response = api_as("finance").post(
        f"/api/v1/rewards/{claimed.reward.pk}/reverse/", {"reason": "举报人系企业安全员"}, format="json"
    )
    assert response.json()["state"] == "reversed"
    kinds = list(LedgerEntry.objects.filter(reward=claimed.reward).values_list("kind", "amount"))
    assert kinds == [("accrual", Decimal("7200.00")), ("payout", Decimal("7200.00")), ("reversal", Decimal("-7200.00"))]
    assert ledger_totals() == {"used": Decimal("0.00"), "paid": Decimal("0.00")}
