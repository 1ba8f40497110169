"""The deadline watch on a frozen clock, across National Day 2026 and its adjusted Saturday.

2026: Oct 1–7 are holidays and Saturday Oct 10 is a working day (chinesecalendar, seeded into
the calendar table), so counting Monday–Friday would get every date below wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from cases import services
from cases.calendar_seed import seed
from cases.models import CalendarDay, CalendarYear, Case, CaseEvent, EventKind
from notifications.services.deadlines import deadline_scan
from notifications.tasks import deadline_watch

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def holiday_calendar(db: Any) -> None:
    seed(CalendarDay, CalendarYear)
    CalendarYear.objects.get(year=2026).save()  # an edit drops the cached calendar
    assert not CalendarDay.objects.get(date=date(2026, 10, 5)).is_workday
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).is_workday


@pytest.fixture
def frozen() -> Iterator[Callable[[date], None]]:
    travellers: list[Any] = []

    def at(day: date) -> None:
        if travellers:
            travellers.pop().stop()
        traveller = time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI), tick=False)
        traveller.start()
        travellers.append(traveller)

    yield at
    for traveller in travellers:
        traveller.stop()


def due(case: Case, day: date) -> Case:
    Case.objects.filter(pk=case.pk).update(due_date=day)
    return Case.objects.get(pk=case.pk)


def kinds(case: Case) -> list[tuple[str, str]]:
    return [
        (e.kind, e.changes.get("due_date", ""))
        for e in CaseEvent.objects.filter(case=case, kind__in=[EventKind.DEADLINE_NEAR, EventKind.OVERDUE]).order_by(
            "id"
        )
    ]


def test_near_counts_working_days_across_the_national_day_holiday(
    case_in: Callable[[str], Case], frozen: Callable[[date], None], django_capture_on_commit_callbacks: Any
) -> None:
    case = due(case_in("investigating"), date(2026, 10, 9))
    frozen(date(2026, 9, 29))  # Sep 30, Oct 8, Oct 9: three working days left
    assert deadline_scan().near == []
    frozen(date(2026, 9, 30))  # Oct 8 and 9 only; Monday–Friday counting would say seven
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_scan().near == [case.reference]
    assert kinds(case) == [("deadline_near", "2026-10-09")]
    assert sorted(m.to[0] for m in mail.outbox) == ["officer@hotline.invalid", "town_supervisor@hotline.invalid"]


def test_the_adjusted_saturday_counts_as_a_working_day(
    case_in: Callable[[str], Case], frozen: Callable[[date], None]
) -> None:
    case = due(case_in("investigating"), date(2026, 10, 12))
    frozen(date(2026, 10, 8))  # Oct 9, Sat Oct 10 (worked), Oct 12: three left, not near
    assert deadline_scan().near == []
    frozen(date(2026, 10, 9))
    assert deadline_scan().near == [case.reference]


def test_an_overdue_case_is_escalated_once_per_deadline(
    users: dict[str, Any],
    case_in: Callable[[str], Case],
    frozen: Callable[[date], None],
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = due(case_in("investigating"), date(2026, 9, 30))
    frozen(date(2026, 10, 8))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_scan().overdue == [case.reference]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "bureau_supervisor@hotline.invalid",
        "officer@hotline.invalid",
        "town_supervisor@hotline.invalid",
    ]
    frozen(date(2026, 10, 9))
    assert deadline_scan().overdue == []  # the next runs add nothing for the same deadline
    assert kinds(case) == [("overdue", "2026-09-30")]

    # An extension moves the deadline: the new date gets its own warning.
    services.case_extend(case=case, by=users["bureau_supervisor"], workdays=3, reason="Lab results pending")
    case = due(case, date(2026, 10, 12))
    assert deadline_scan().near == [case.reference]
    assert kinds(case) == [("overdue", "2026-09-30"), ("deadline_near", "2026-10-12")]


def test_final_cases_have_no_deadline_to_watch(case_in: Callable[[str], Case], frozen: Callable[[date], None]) -> None:
    case = case_in("rejected")
    frozen(date(2026, 10, 8))
    scan = deadline_scan()
    assert case.reference not in scan.near + scan.overdue


def test_the_periodic_task_scans_and_sends_the_daily_digest_once(
    case_in: Callable[[str], Case], frozen: Callable[[date], None], django_capture_on_commit_callbacks: Any
) -> None:
    case = due(case_in("investigating"), date(2026, 9, 30))
    frozen(date(2026, 10, 8))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert deadline_watch.enqueue(1).return_value == "0 near, 1 overdue"
        assert deadline_watch.enqueue(1).return_value == "skipped: slot already scanned"
        assert deadline_watch.enqueue(2).return_value == "0 near, 0 overdue"
    digests = [m for m in mail.outbox if "2026-10-08" in m.subject]
    assert sorted(m.to[0] for m in digests) == [
        "bureau_supervisor@hotline.invalid",
        "officer@hotline.invalid",
        "town_supervisor@hotline.invalid",
    ]
    assert all(case.reference in m.body for m in digests)


def test_escalated_cases_wait_in_the_bureau_queue(
    api_as: Callable[[str | None], Any], case_in: Callable[[str], Case], frozen: Callable[[date], None]
) -> None:
    overdue = due(case_in("investigating"), date(2026, 9, 30))
    due(case_in("investigating"), date(2026, 10, 20))  # not due yet
    frozen(date(2026, 10, 8))
    assert api_as("bureau_supervisor").get("/api/v1/live/escalations/").json()["results"] == []
    deadline_scan()
    queue = api_as("bureau_supervisor").get("/api/v1/live/escalations/").json()["results"]
    assert [(row["reference"], row["due_date"]) for row in queue] == [(overdue.reference, "2026-09-30")]
    assert api_as("outsider").get("/api/v1/live/escalations/").json()["results"] == []
    assert api_as(None).get("/api/v1/live/escalations/").status_code in (401, 403)
