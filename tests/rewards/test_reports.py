"""Reports by town, year, state and category, budgets used and left, exports; and the ledger invariant:
after any sequence of operations, the sums of ledger entries are what the reports show."""

from __future__ import annotations

import contextlib
import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from config.errors import ApplicationError
from directory.models import Role
from rewards import services
from rewards.models import COMMITTED_STATES, Budget, Reward, RewardState
from rewards.selectors import budget_report, ledger_totals, reward_of_reporter, reward_report, reward_statistics
from rewards.services import ClaimDetails
from tests.factories import MembershipFactory, UserFactory
from tests.rewards import flows
from tests.rewards.helpers import PASSWORD, valid_card, valid_id_number


@pytest.fixture
def spread(report: Any, users: Any, town_a: Any) -> list[Any]:
    """Three rewards of town A: one proposed, one offered, one paid (¥3,000 / ¥7,200 / ¥500)."""
    waiting = report(hazard_level="major")
    offered = report(hazard_level="major", fine_amount=Decimal("48000"), category="electrical")
    paid = report()
    flows.offered(offered.reward, users)
    flows.paid(paid.reward, paid.receipt, users)
    Budget.objects.create(year=timezone.localdate().year, town=town_a, amount=Decimal("100000"))
    return [waiting, offered, paid]


@pytest.mark.django_db
def test_rewards_by_state_and_category(spread: Any, api_as: Any) -> None:
    body = api_as("bureau_supervisor").get("/api/v1/rewards/reports/", {"by": "state,category"}).json()
    assert body["rows"] == [
        {"state": "offered", "category": "electrical", "count": 1, "amount": "7200.00"},
        {"state": "paid", "category": "fire_safety", "count": 1, "amount": "500.00"},
        {"state": "proposed", "category": "fire_safety", "count": 1, "amount": "3000.00"},
    ]


@pytest.mark.django_db
def test_rewards_by_town_and_year(spread: Any, api_as: Any, town_a: Any) -> None:
    body = api_as("finance").get("/api/v1/rewards/reports/", {"by": "town,year"}).json()
    assert body["rows"] == [{"town": town_a.name, "year": timezone.now().year, "count": 3, "amount": "10700.00"}]


@pytest.mark.django_db
def test_an_unknown_grouping_is_refused_by_name(api_as: Any, users: Any) -> None:
    response = api_as("finance").get("/api/v1/rewards/reports/", {"by": "reporter"})
    assert response.status_code == 400 and "by" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_budget_used_and_left_come_from_the_ledger(spread: Any, api_as: Any) -> None:
    [line] = api_as("finance").get("/api/v1/rewards/budgets/").json()["rows"]
    assert (line["budget"], line["used"], line["left"], line["paid_net"]) == (
        "100000.00",
        "7700.00",
        "92300.00",
        "500.00",
    )


@pytest.mark.django_db
def test_town_staff_see_no_reward_figures(spread: Any, api_as: Any) -> None:
    assert api_as("officer").get("/api/v1/rewards/reports/", {"by": "state"}).json()["rows"] == []
    assert api_as("officer").get("/api/v1/rewards/").json()["results"] == []


@pytest.mark.django_db
def test_csv_and_xlsx_exports_hold_the_same_rows(spread: Any, api_as: Any) -> None:
    client = api_as("finance")
    csv_response = client.get("/api/v1/rewards/reports/", {"by": "state", "export": "csv"})
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows == [
        ["state", "count", "amount"],
        ["offered", "1", "7200.00"],
        ["paid", "1", "500.00"],
        ["proposed", "1", "3000.00"],
    ]

    xlsx_response = client.get("/api/v1/rewards/budgets/", {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:5] == ["year", "department", "budget", "used", "left"]
    assert [Decimal(str(v)) for v in values[1][2:5]] == [Decimal("100000"), Decimal("7700"), Decimal("92300")]


# --- the ledger invariant -----------------------------------------------------------------------

# "next" takes the reward one step along its lifecycle and "again" repeats the step that brought it
# where it is (a double click); the others are the side exits. Weighted so sequences get deep.
OPERATIONS = ["next", "next", "next", "next", "again", "again", "reject", "withdraw", "reverse", "expire"]
NEXT = {"proposed": "approve", "approved": "offer", "offered": "claim", "claimed": "pay"}
AGAIN = {
    "approved": "approve",
    "offered": "offer",
    "claimed": "claim",
    "paid": "pay",
    "reversed": "reverse",
    "rejected": "reject",
    "expired": "expire",
}


def _apply(operation: str, rep: Any, users: dict[str, Any]) -> None:
    reward = Reward.objects.get(case=rep.case)
    if operation == "next":
        operation = NEXT.get(reward.state, "approve")
    elif operation == "again":
        operation = AGAIN.get(reward.state, "approve")
    if operation == "approve":  # large amounts need two approvers: the second one steps in
        first = reward.first_approved_by_id in (None, users["approver2"].pk)
        services.reward_approve(reward=reward, by=users["reward_approver" if first else "approver2"])
    elif operation == "reject":
        services.reward_reject(reward=reward, by=users["reward_approver"], reason="不符合条件")
    elif operation == "withdraw":
        services.reward_withdraw(reward=reward, by=users["reward_approver"], reason="不符合条件")
    elif operation == "offer":
        services.reward_offer(reward=reward, by=users["reward_approver"])
    elif operation == "claim":
        details = ClaimDetails(
            name="张三", id_number=valid_id_number(), method="bank", account=valid_card(), bank_name="农业银行"
        )
        services.reward_claim(receipt=rep.receipt, password=PASSWORD, details=details)
    elif operation == "pay":
        services.reward_pay(
            reward=reward,
            by=users["finance"],
            method="bank_transfer",
            reference="R",
            paid_on=timezone.localdate(),
            idempotency_key=uuid.uuid4().hex,
        )
    elif operation == "reverse":
        services.reward_reverse(reward=reward, by=users["finance"], reason="追回")
    elif operation == "expire":
        with time_machine.travel(timezone.now() + timedelta(days=61), tick=False):
            services.reward_expire(reward=reward)


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_the_ledger_always_sums_to_what_the_reports_show(report: Any, users: Any, data: Any) -> None:
    users["approver2"] = MembershipFactory(user=UserFactory(username="approver2"), role=Role.REWARD_APPROVER).user
    fines = data.draw(st.lists(st.decimals(min_value=0, max_value=3_000_000, places=2), min_size=1, max_size=3))
    reports = [report(hazard_level="major", fine_amount=fine) for fine in fines]
    steps = data.draw(
        st.lists(st.tuples(st.sampled_from(OPERATIONS), st.integers(0, len(reports) - 1)), min_size=5, max_size=30)
    )
    for operation, index in steps:
        # Refused moves (wrong state, double clicks) must leave the ledger as it was.
        with contextlib.suppress(ApplicationError):
            _apply(operation, reports[index], users)

    totals = ledger_totals()
    rewards = Reward.objects.all()
    for reward in rewards.filter(case__in=[rep.case for rep in reports]):
        event(f"a reward ended {reward.state}")  # how deep sequences reach: --hypothesis-show-statistics
    assert totals["used"] == sum((r.amount for r in rewards if r.state in COMMITTED_STATES), Decimal(0))
    assert totals["paid"] == sum((r.amount for r in rewards if r.state == RewardState.PAID), Decimal(0))
    by_state = {row["state"]: row["amount"] for row in reward_report(users["finance"], by=["state"])}
    assert totals["used"] == sum((by_state.get(s, Decimal(0)) for s in COMMITTED_STATES), Decimal(0))
    assert totals["paid"] == by_state.get(RewardState.PAID, Decimal(0))
    lines = budget_report(users["finance"])
    assert sum((line.used for line in lines), Decimal(0)) == totals["used"]
    assert sum((line.paid_net for line in lines), Decimal(0)) == totals["paid"]


@pytest.mark.django_db
def test_monthly_statistics_count_each_step_in_the_month_it_happened(spread: Any, town_a: Any) -> None:
    now = timezone.localtime()
    months = reward_statistics(year=now.year)
    assert len(months) == 12
    this_month = months[now.month - 1]
    assert (this_month["offered_count"], this_month["offered_amount"]) == (2, Decimal("7700.00"))
    assert (this_month["claimed_count"], this_month["paid_count"], this_month["paid_amount"]) == (
        1,
        1,
        Decimal("500.00"),
    )
    assert sum(m["paid_count"] for m in months) == 1
    assert reward_statistics(year=now.year, town_id=town_a.pk + 1000)[now.month - 1]["paid_count"] == 0


@pytest.mark.django_db
def test_the_reporter_sees_only_their_own_reward(spread: Any) -> None:
    waiting, offered, _paid = spread
    mine = reward_of_reporter(offered.case)
    assert mine is not None and (mine.state, mine.amount) == (RewardState.OFFERED, Decimal("7200.00"))
    assert reward_of_reporter(waiting.case).state == RewardState.PROPOSED  # type: ignore[union-attr]


@pytest.mark.django_db
def test_a_year_no_reward_can_have_is_refused_by_name_not_a_server_error(api_as: Any, users: Any) -> None:
    """Found by schemathesis: ``year=5.6e16`` overflowed the database integer and answered 500."""
    response = api_as("finance").get("/api/v1/rewards/", {"year": "5.614107315227757e+16"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "year" in response.json()["error"]["fields"]
    assert api_as("finance").get("/api/v1/rewards/", {"year": "2026"}).status_code == 200
