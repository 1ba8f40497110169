"""Deadlines in working days on the Chinese calendar, with adjusted workdays and a visible fallback."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import services
from cases.models import CalendarDay, CalendarYear, Case, State
from cases.services.deadlines import overdue_workdays
from cases.workdays import calendar
from config.errors import Conflict
from tests.factories import ReporterFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_national_day_week_is_skipped_and_its_saturday_makeup_day_counts() -> None:
    # 2026: 1–7 October off (weekdays 1, 2, 5, 6, 7 are holidays), Saturday 10 October is a workday.
    deadline = calendar().add_workdays(date(2026, 9, 30), 5)
    assert deadline.date == date(2026, 10, 13)  # 8, 9, 10 (Sat, adjusted), 12, 13
    assert not deadline.estimated


def test_a_year_without_a_published_schedule_falls_back_to_weekdays_and_says_so() -> None:
    deadline = calendar().add_workdays(date(2026, 12, 1), 60)
    assert deadline.date.year == 2027
    assert deadline.estimated  # shown to staff as "assumes Monday–Friday"


def test_an_administrator_adding_next_years_holidays_changes_deadlines_at_once() -> None:
    before = calendar().add_workdays(date(2026, 12, 31), 1)
    assert before.date == date(2027, 1, 1) and before.estimated
    CalendarYear.objects.create(year=2027, source="State Council notice")
    CalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, name="New Year's Day")
    after = calendar().add_workdays(date(2026, 12, 31), 1)
    assert after.date == date(2027, 1, 4) and not after.estimated


def test_a_case_received_before_the_holiday_is_due_after_it(users: dict[str, Any]) -> None:
    with time_machine.travel(datetime(2026, 9, 30, 10, tzinfo=SHANGHAI), tick=False):
        new = services.case_create(channel="web", reporter=ReporterFactory(), description="仓库堆放烟花爆竹")
    assert new.case.due_date == date(2026, 10, 13)

    with time_machine.travel(datetime(2026, 10, 15, 10, tzinfo=SHANGHAI), tick=False):
        assert overdue_workdays(Case.objects.get(pk=new.case.pk)) == 2  # 14 and 15 October


def test_acceptance_in_december_gets_a_60_workday_closure_deadline_without_crashing(users: dict[str, Any]) -> None:
    with time_machine.travel(datetime(2026, 12, 10, 9, tzinfo=SHANGHAI), tick=False):
        new = services.case_create(channel="sms", reporter=ReporterFactory(), description="脚手架无防护网")
        case = services.case_accept(case=new.case, by=users["dispatcher"])
    assert case.state == State.ACCEPTED
    assert case.due_date is not None and case.due_date.year == 2027
    assert case.due_date_estimated


def test_one_extension_of_at_most_30_workdays_with_a_reason(users: dict[str, Any], case_in: Any) -> None:
    case = case_in(State.INVESTIGATING)
    due = case.due_date
    with pytest.raises(Conflict) as too_long:
        services.case_extend(case=case, by=users["bureau_supervisor"], workdays=31, reason="检测")
    assert "workdays" in too_long.value.fields
    extended = services.case_extend(case=case, by=users["bureau_supervisor"], workdays=10, reason="等待检测报告")
    assert extended.due_date > due
    assert extended.events.filter(kind="extension", public=True).exists()
    with pytest.raises(Conflict) as twice:
        services.case_extend(case=extended, by=users["bureau_supervisor"], workdays=5, reason="再延")
    assert twice.value.code == "already_extended"
