"""Two people act on one case at the same moment: exactly one wins, the other gets 409.

Runs on whichever database the suite runs on; CI's second pass runs it on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cases import services
from cases.models import Case, CaseEvent, State
from config.errors import Conflict
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released at the same instant; return each result or exception."""
    results: list[Any] = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            start.wait()
            results[index] = call()
        except Exception as error:  # the refusal is the result we inspect
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_accept_and_reject_at_once_leave_one_transition(users: dict[str, Any]) -> None:
    case = CaseFactory()
    # Both people loaded the case before either saved: the optimistic state check decides.
    seen_by_a, seen_by_b = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)

    results = run_together(
        lambda: services.case_accept(case=seen_by_a, by=users["dispatcher"]),
        lambda: services.case_reject(case=seen_by_b, by=users["bureau_supervisor"], reason="重复"),
    )

    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(conflicts) == 1, results
    assert conflicts[0].code in {"concurrent_change", "transition_not_allowed"}
    assert CaseEvent.objects.filter(case=case, kind="transition").count() == 1
    assert Case.objects.get(pk=case.pk).state in {State.ACCEPTED, State.REJECTED}


def test_double_click_on_accept_through_the_api_accepts_once(users: dict[str, Any]) -> None:
    case = CaseFactory()

    def click() -> int:
        client = APIClient()
        client.force_authenticate(users["dispatcher"])
        return client.post(f"/api/v1/cases/{case.reference}/accept/", {}, format="json").status_code

    statuses = run_together(click, click)

    assert sorted(statuses) == [200, 409]
    assert CaseEvent.objects.filter(case=case, kind="transition", name="accept").count() == 1
