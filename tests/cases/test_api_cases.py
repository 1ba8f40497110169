"""The staff case API: filters, bad input named by field, one error shape, no N+1."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from cases.models import Case, State
from directory.demo import make_credit_code
from tests.factories import CaseFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db

API = Callable[[str | None], APIClient]


def test_the_list_filters_by_state_channel_town_overdue_and_text(api_as: API, case_in: Any, town_a: Any) -> None:
    investigating = case_in(State.INVESTIGATING)
    received = CaseFactory(description="化工厂仓库违规储存甲醇")
    Case.objects.filter(pk=received.pk).update(due_date=timezone.localdate() - timedelta(days=3))
    client = api_as("dispatcher")

    def refs(**params: Any) -> set[str]:
        response = client.get("/api/v1/cases/", params)
        assert response.status_code == 200, response.content
        return {row["reference"] for row in response.json()["results"]}

    assert refs(state="investigating") == {investigating.reference}
    assert refs(state=["received", "investigating"]) == {investigating.reference, received.reference}
    assert refs(town=town_a.pk) == {investigating.reference}
    assert refs(overdue="true") == {received.reference}
    assert refs(q="甲醇") == {received.reference}
    assert refs(received_after=timezone.localdate().isoformat()) == {investigating.reference, received.reference}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"town": "999999"}, "town"),
        ({"town": "abc"}, "town"),
        ({"overdue": "maybe"}, "overdue"),
        ({"received_after": "2026-13-01"}, "received_after"),
        ({"received_after": "2026-11-02", "received_before": "2026-11-01"}, "received_after"),
        ({"enterprise": "-1"}, "enterprise"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_the_field(api_as: API, params: dict[str, str], field: str) -> None:
    response = api_as("dispatcher").get("/api/v1/cases/", params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]


def test_an_invalid_credit_code_is_a_400_naming_it(api_as: API) -> None:
    response = api_as("dispatcher").get("/api/v1/enterprises/", {"credit_code": "91440605ABCDEFGHI0"})
    assert response.status_code == 400
    assert "credit_code" in response.json()["error"]["fields"]
    valid = EnterpriseFactory(credit_code=make_credit_code(__import__("random").Random(7)))
    found = api_as("dispatcher").get("/api/v1/enterprises/", {"credit_code": valid.credit_code}).json()
    assert [row["id"] for row in found["results"]] == [valid.pk]


def test_a_transition_with_missing_findings_is_a_409_naming_them_and_changes_nothing(api_as: API, case_in: Any) -> None:
    case = case_in(State.INVESTIGATING)
    response = api_as("officer").post(f"/api/v1/cases/{case.reference}/submit/", {}, format="json")
    assert response.status_code == 409
    assert "findings" in response.json()["error"]["fields"]
    assert Case.objects.get(pk=case.pk).state == State.INVESTIGATING


def test_an_assignment_to_an_unknown_town_is_a_400(api_as: API, case_in: Any) -> None:
    case = case_in(State.ACCEPTED)
    response = api_as("dispatcher").post(f"/api/v1/cases/{case.reference}/assign/", {"town": 424242}, format="json")
    assert response.status_code == 400
    assert "town" in response.json()["error"]["fields"]
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED


def test_a_negative_fine_is_refused_and_nothing_is_saved(api_as: API, case_in: Any) -> None:
    case = case_in(State.INVESTIGATING)
    response = api_as("officer").post(
        f"/api/v1/cases/{case.reference}/findings/", {"substantiated": True, "fine_amount": "-5"}, format="json"
    )
    assert response.status_code == 400
    assert "fine_amount" in response.json()["error"]["fields"]
    assert Case.objects.get(pk=case.pk).substantiated is None


def test_errors_speak_chinese_by_default_and_english_on_request(api_as: API, case_in: Any) -> None:
    case = case_in(State.CLOSED)
    url = f"/api/v1/cases/{case.reference}/accept/"
    chinese = api_as("dispatcher").post(url, {}, format="json").json()["error"]["message"]
    english = api_as("dispatcher").post(url, {}, format="json", HTTP_ACCEPT_LANGUAGE="en").json()["error"]["message"]
    assert english == "This action is not possible while the case is “Closed”."
    assert chinese != english
    assert "已办结" in chinese


def test_the_detail_shows_the_timeline_and_masks_the_reporter(api_as: API, case_in: Any) -> None:
    case = case_in(State.INVESTIGATING)
    body = api_as("officer").get(f"/api/v1/cases/{case.reference}/").json()
    assert [event["name"] for event in body["timeline"]] == ["accept", "assign", "start"]
    assert body["reporter"]["phone"] == "138****1234"
    assert "13812341234" not in str(body)
    assert body["allowed_actions"] == []  # submitting needs findings first

    officer = api_as("officer")
    officer.post(f"/api/v1/cases/{case.reference}/findings/", {"substantiated": False}, format="json")
    assert officer.get(f"/api/v1/cases/{case.reference}/").json()["allowed_actions"] == ["submit"]


def test_listing_cases_costs_the_same_queries_for_5_or_50_cases(api_as: API) -> None:
    client = api_as("dispatcher")
    client.get("/api/v1/cases/")  # the user's roles are read once per request, then cached on the user

    def queries_for(count: int) -> int:
        EnterpriseFactory.create_batch(1)
        CaseFactory.create_batch(count - Case.objects.count())
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/cases/", {"limit": 100}).status_code == 200
        return len(captured)

    assert queries_for(5) == queries_for(50)
