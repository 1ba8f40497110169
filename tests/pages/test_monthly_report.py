"""The monthly report for the city bureau: its numbers equal a plain count over the cases and the
dashboard's figures for the same month; only bureau supervisors and dispatchers may make it."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook
from openpyxl.workbook import Workbook

from cases import services
from cases.models import Case, Channel, Reporter
from rewards.models import Budget, Reward
from tests.rewards import flows
from tests.rewards.helpers import PASSWORD, valid_id_number

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THIS_MONTH = timezone.localdate().strftime("%Y-%m")


def report_of(client: Any, month: str = THIS_MONTH) -> Workbook:
    response = client.get(f"/dashboard/monthly-report.xlsx?month={month}")
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def table(sheet: Any) -> dict[str, list[Any]]:
    """Rows of the sheet's first table, by their first cell (the header row under its own name)."""
    rows = {}
    for row in sheet.iter_rows(values_only=True):
        if not row or row[0] is None:
            break
        rows[row[0]] = list(row[1:])
    return rows


def reporter(*, anonymous: bool = False) -> Reporter:
    if anonymous:
        return services.reporter_create(anonymous=True)
    return services.reporter_create(name="张三", phone="13812341234", id_number=valid_id_number())


@pytest.fixture
def month_of_cases(users: dict[str, Any], town_a: Any, town_b: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Cases in many states, towns and channels, received this month; one reward paid from a budget."""
    cache.clear()  # the reward claim is rate-limited per client
    dispatcher, officer, supervisor = users["dispatcher"], users["officer"], users["town_supervisor"]

    def new(channel: str, *, anonymous: bool = False, category: str = "fire_safety") -> Any:
        return services.case_create(
            channel=channel,
            reporter=reporter(anonymous=anonymous),
            description="消防通道被堵塞",
            category=category,
            password=PASSWORD,
        )

    def closed_in_a(channel: str, *, substantiated: bool, anonymous: bool = False) -> Any:
        created = new(channel, anonymous=anonymous)
        case = services.case_accept(case=created.case, by=dispatcher)
        case = services.case_assign(case=case, town=town_a, by=dispatcher)
        case = services.case_start(case=Case.objects.get(pk=case.pk), by=officer)
        services.case_findings_record(
            case=case, by=officer, substantiated=substantiated, hazard_level="ordinary" if substantiated else ""
        )
        services.case_submit(case=Case.objects.get(pk=case.pk), by=officer)
        services.case_close(case=Case.objects.get(pk=case.pk), by=supervisor)
        return created

    with django_capture_on_commit_callbacks(execute=True):
        rewarded = closed_in_a("web", substantiated=True)
        closed_in_a("sms", substantiated=False, anonymous=True)
        investigating = services.case_accept(case=new("voice", category="machinery").case, by=dispatcher)
        investigating = services.case_assign(case=investigating, town=town_a, by=dispatcher)
        services.case_start(case=Case.objects.get(pk=investigating.pk), by=officer)
        in_b = services.case_accept(case=new("sms", anonymous=True).case, by=dispatcher)
        services.case_assign(case=in_b, town=town_b, by=dispatcher)
        services.case_reject(case=new("sms").case, by=dispatcher, reason="不属实")
        services.case_refer(case=new("voice").case, by=dispatcher, agency="市场监管局", reason="不属本局职责")
        services.case_merge(case=new("web").case, into=rewarded.case, by=dispatcher)
        new("letter", anonymous=True)
    Budget.objects.create(year=timezone.localdate().year, town=town_a, amount=Decimal("100000"))
    with django_capture_on_commit_callbacks(execute=True):
        reward = Reward.objects.get(case=rewarded.case)
        flows.paid(reward, rewarded.receipt, users)
    return Reward.objects.get(pk=reward.pk)


def test_the_report_equals_a_plain_count_and_the_dashboard(
    page_as: Any, users: Any, town_a: Any, town_b: Any, month_of_cases: Reward
) -> None:
    workbook = report_of(page_as("bureau_supervisor"))
    assert [s.title for s in workbook.worksheets] == ["概览", "按镇街", "按渠道", "按类别", "按行业", "举报奖励"]
    by_town = table(workbook.worksheets[1])

    for name, cases in (
        (town_a.name, Case.objects.filter(town=town_a)),
        (town_b.name, Case.objects.filter(town=town_b)),
        ("尚未交办", Case.objects.filter(town__isnull=True)),
    ):
        states = Counter(cases.values_list("state", flat=True))
        taken_on = sum(states[s] for s in ("accepted", "assigned", "investigating", "in_review", "closed"))
        closed = cases.filter(state="closed")
        with_findings = closed.exclude(substantiated=None).count()
        received, accepted, rejected, referred, merged, n_closed, closure, on_time, *_rest = by_town[name]
        assert (received, accepted, rejected, referred, merged, n_closed) == (
            cases.count(),
            taken_on,
            states["rejected"],
            states["referred"],
            states["merged"],
            states["closed"],
        )
        assert closure == (states["closed"] / taken_on if taken_on else None)
        assert on_time == (1.0 if states["closed"] else None)  # closed the day they came in
        substantiation, anonymous = by_town[name][10:12]
        assert substantiation == (closed.filter(substantiated=True).count() / with_findings if with_findings else None)
        assert anonymous == cases.filter(reporter__anonymous=True).count() / cases.count()
    assert by_town[town_a.name][:7] == [3, 3, 0, 0, 0, 2, 2 / 3]
    assert by_town[town_a.name][10:12] == [0.5, 1 / 3]
    assert by_town["全区"][0] == Case.objects.count() == 8

    # The dashboard for the same month shows the same figures, town by town.
    dashboard = page_as("dispatcher").get(f"/dashboard/?start={THIS_MONTH}&end={THIS_MONTH}")
    for name, row in dashboard.context["towns"]:
        mine = by_town[name]
        assert (mine[0], mine[1], mine[5], mine[6], mine[7], mine[8], mine[9], mine[12]) == (
            row.received,
            row.handled,
            row.closed,
            row.closure_rate,
            row.on_time_rate,
            row.median_days,
            row.p90_days,
            row.overdue_now,
        )
    assert len(dashboard.context["towns"]) == len(by_town) - 2  # less the header and the district line

    channels = {label: row[0] for label, row in table(workbook.worksheets[2]).items()}
    expected = Counter(str(Channel(c).label) for c in Case.objects.values_list("channel", flat=True))
    assert channels == {"渠道": "已收到", **expected, "合计": 8}
    assert table(workbook.worksheets[3])["机械设备"] == [1]

    rewards = table(workbook.worksheets[5])
    paid = month_of_cases
    assert rewards["全区"] == [1, paid.amount, 1, paid.amount, 1, paid.amount]
    assert rewards[town_a.name] == rewards["全区"]
    budget_rows = list(workbook.worksheets[5].iter_rows(values_only=True))
    department = next(row for row in budget_rows if row[0] == town_a.name and row[1] == 100000)
    assert department[2:6] == (paid.amount, paid.amount, paid.amount, 100000 - paid.amount)


def test_a_past_month_has_nothing_received(page_as: Any, month_of_cases: Reward) -> None:
    by_town = table(report_of(page_as("dispatcher"), "2025-01").worksheets[1])
    assert by_town["全区"][:6] == [0, 0, 0, 0, 0, 0]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("bureau_supervisor", 200),
        ("dispatcher", 200),
        ("finance", 403),
        ("reward_approver", 403),
        ("administrator", 403),
        ("intake", 403),
        ("officer", 403),
        ("town_supervisor", 403),
        (None, 302),
    ],
)
def test_only_bureau_supervisors_and_dispatchers_may_make_it(
    page_as: Any, users: Any, persona: str | None, status: int
) -> None:
    response = page_as(persona).get(f"/dashboard/monthly-report.xlsx?month={THIS_MONTH}")
    assert response.status_code == status


def test_the_dashboard_offers_the_report_only_to_those_who_may_make_it(page_as: Any, users: Any) -> None:
    assert 'data-testid="monthly-report"' in page_as("dispatcher").get("/dashboard/").content.decode()
    assert 'data-testid="monthly-report"' not in page_as("finance").get("/dashboard/").content.decode()


@pytest.mark.parametrize("month", ["2026-13", "11-2026", "nov", "", "2026-1"])
def test_a_malformed_month_is_refused_with_a_message(page_as: Any, users: Any, month: str) -> None:
    response = page_as("dispatcher").get(f"/dashboard/monthly-report.xlsx?month={month}")
    assert response.status_code == 400
    body = response.content.decode()
    assert "月份" in body and "YYYY-MM" in body and "2026-11" in body


def test_a_month_not_yet_begun_is_refused(page_as: Any, users: Any) -> None:
    today = timezone.localdate()
    coming = date(today.year + 1, 1, 1).strftime("%Y-%m")
    response = page_as("dispatcher").get(f"/dashboard/monthly-report.xlsx?month={coming}")
    assert response.status_code == 400 and "尚未开始" in response.content.decode()


def test_the_command_writes_the_same_report(tmp_path: Path, month_of_cases: Reward, page_as: Any) -> None:
    target = tmp_path / "report.xlsx"
    call_command("monthly_report", month=THIS_MONTH, output=target, stdout=io.StringIO())
    written = load_workbook(target)
    downloaded = report_of(page_as("dispatcher"))
    for mine, theirs in zip(written.worksheets[1:], downloaded.worksheets[1:], strict=True):
        # The header rows name the moment each was made ("overdue now"); the figures must agree.
        assert list(table(mine).items())[1:] == list(table(theirs).items())[1:]
    with pytest.raises(CommandError, match="--month"):
        call_command("monthly_report", month="2026/11", output=target)
