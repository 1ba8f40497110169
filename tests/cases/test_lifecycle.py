from __future__ import annotations

from typing import Any

import pytest

from cases import services
from cases.models import Case, CaseEvent, State
from config.errors import Conflict, Forbidden
from tests.factories import CaseFactory, ReporterFactory

pytestmark = pytest.mark.django_db


def test_a_case_goes_from_receipt_to_closure_with_one_event_per_step(case_in: Any) -> None:
    case = case_in(State.CLOSED)

    steps = list(case.events.filter(kind="transition").values_list("name", "from_state", "to_state"))
    assert steps == [
        ("accept", "received", "accepted"),
        ("assign", "accepted", "assigned"),
        ("start", "assigned", "investigating"),
        ("submit", "investigating", "in_review"),
        ("close", "in_review", "closed"),
    ]
    assert case.closed_at is not None
    assert case.due_date is not None  # the 10-working-day feedback deadline now applies


def test_close_without_findings_is_refused_naming_the_findings(users: dict[str, Any], case_in: Any) -> None:
    case = case_in(State.INVESTIGATING)
    with pytest.raises(Conflict) as refused:
        services.case_submit(case=case, by=users["officer"])
    assert "findings" in refused.value.fields
    assert Case.objects.get(pk=case.pk).state == State.INVESTIGATING


def test_a_transition_from_the_wrong_state_is_a_conflict(users: dict[str, Any], case_in: Any) -> None:
    case = case_in(State.CLOSED)
    with pytest.raises(Conflict):
        services.case_accept(case=case, by=users["dispatcher"])


def test_a_role_without_the_permission_is_refused(users: dict[str, Any]) -> None:
    case = CaseFactory()
    with pytest.raises(Forbidden):
        services.case_accept(case=case, by=users["officer"])
    assert not CaseEvent.objects.filter(case=case, kind="transition").exists()


def test_merge_links_the_duplicate_reporter_to_the_survivor(users: dict[str, Any]) -> None:
    survivor, duplicate = CaseFactory(), CaseFactory()
    services.case_merge(case=duplicate, into=survivor, by=users["dispatcher"], reason="同一企业同一隐患")
    assert Case.objects.get(pk=duplicate.pk).state == State.MERGED
    assert survivor.linked_reporters.get().reporter_id == duplicate.reporter_id


def test_merge_into_a_closed_case_is_refused(users: dict[str, Any], case_in: Any) -> None:
    closed, duplicate = case_in(State.CLOSED), CaseFactory()
    with pytest.raises(Conflict) as refused:
        services.case_merge(case=duplicate, into=closed, by=users["dispatcher"])
    assert "merged_into" in refused.value.fields
    assert Case.objects.get(pk=duplicate.pk).state == State.RECEIVED


def test_a_clash_of_random_references_draws_a_new_one(monkeypatch: pytest.MonkeyPatch) -> None:
    taken = CaseFactory().reference
    draws = iter([taken, "HX2345678923"])
    monkeypatch.setattr("cases.services.intake.new_reference", lambda: next(draws))
    new = services.case_create(channel="web", reporter=ReporterFactory(), description="配电箱无防护")
    assert new.case.reference == "HX2345678923"
    assert Case.objects.filter(reference=taken).count() == 1
