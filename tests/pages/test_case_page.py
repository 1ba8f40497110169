"""The case page: exactly the allowed buttons, findings, notes, questions, reveal, attachments."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from cases.models import Attachment, Case, EventKind, IdentityAccess, State
from tests.factories import CaseFactory, EnterpriseFactory
from tests.pages.conftest import messages_of


def buttons(response: Any) -> set[str]:
    return set(response.context["transitions"])


@pytest.mark.parametrize(
    ("state", "persona", "expected"),
    [
        ("assigned", "officer", {"start", "return_to_bureau"}),
        ("assigned", "dispatcher", set()),
        ("investigating", "officer", set()),  # submit needs findings first (a condition)
        ("in_review", "officer", set()),
        ("in_review", "town_supervisor", {"close", "return_to_officer"}),
        ("closed", "bureau_supervisor", {"reopen"}),
        ("closed", "town_supervisor", set()),
    ],
)
def test_buttons_are_exactly_the_users_transitions(
    page_as: Any, case_in: Any, state: str, persona: str, expected: set[str]
) -> None:
    case = case_in(state)
    response = page_as(persona).get(f"/cases/{case.reference}/")
    assert buttons(response) == expected
    for name in expected:
        assert f'data-transition="{name}"'.encode() in response.content


def test_another_towns_case_looks_like_a_missing_one(page_as: Any, case_in: Any) -> None:
    case = case_in("assigned")
    response = page_as("outsider").get(f"/cases/{case.reference}/")
    assert response.status_code == 404
    assert page_as("outsider").get("/cases/HXNOSUCH1/").status_code == 404


def test_a_transition_not_offered_is_refused_with_a_message(page_as: Any, case_in: Any) -> None:
    case = case_in("in_review")
    response = page_as("officer").post(f"/cases/{case.reference}/transition/", {"name": "close"}, follow=True)
    assert Case.objects.get(pk=case.pk).state == State.IN_REVIEW
    assert messages_of(response)


def test_officer_starts_records_findings_and_submits(page_as: Any, case_in: Any) -> None:
    case = case_in("assigned")
    client = page_as("officer")
    client.post(f"/cases/{case.reference}/transition/", {"name": "start"})
    response = client.post(f"/cases/{case.reference}/transition/", {"name": "submit"}, follow=True)
    assert Case.objects.get(pk=case.pk).state == State.INVESTIGATING  # findings missing
    assert messages_of(response)
    client.post(
        f"/cases/{case.reference}/findings/",
        {
            "substantiated": "yes",
            "hazard_level": "major",
            "fine_amount": "20000",
            "concealed_deaths": "0",
            "findings_summary": "属实，责令整改",
        },
    )
    client.post(f"/cases/{case.reference}/transition/", {"name": "submit"})
    case = Case.objects.get(pk=case.pk)
    assert case.state == State.IN_REVIEW and case.hazard_level == "major" and case.fine_amount == 20000


def test_a_negative_fine_is_refused_naming_the_field(page_as: Any, case_in: Any) -> None:
    case = case_in("investigating")
    response = page_as("officer").post(
        f"/cases/{case.reference}/findings/",
        {"substantiated": "yes", "hazard_level": "ordinary", "fine_amount": "-5", "concealed_deaths": "0"},
        follow=True,
    )
    assert Case.objects.get(pk=case.pk).substantiated is None
    assert any("罚款" in text or "Fine" in text for text in messages_of(response))


def test_supervisor_closes_with_a_result(page_as: Any, case_in: Any) -> None:
    case = case_in("in_review")
    page_as("town_supervisor").post(
        f"/cases/{case.reference}/transition/", {"name": "close", "result_for_reporter": "已整改"}
    )
    case = Case.objects.get(pk=case.pk)
    assert case.state == State.CLOSED and case.result_for_reporter == "已整改"


def test_return_to_officer_needs_a_reason(page_as: Any, case_in: Any) -> None:
    case = case_in("in_review")
    client = page_as("town_supervisor")
    response = client.post(f"/cases/{case.reference}/transition/", {"name": "return_to_officer"}, follow=True)
    assert Case.objects.get(pk=case.pk).state == State.IN_REVIEW
    assert messages_of(response)


def test_notes_and_questions_land_on_the_timeline_escaped(page_as: Any, case_in: Any) -> None:
    case = case_in("investigating")
    client = page_as("officer")
    client.post(f"/cases/{case.reference}/notes/", {"text": "<b>现场</b>已核查"})
    client.post(f"/cases/{case.reference}/questions/", {"text": "具体在几号仓库？"})
    kinds = list(case.events.values_list("kind", "public").order_by("id"))[-2:]
    assert kinds == [(EventKind.NOTE, False), (EventKind.QUESTION, True)]
    body = client.get(f"/cases/{case.reference}/").content.decode()
    assert "&lt;b&gt;现场&lt;/b&gt;已核查" in body and "<b>现场</b>" not in body


def test_reporter_is_masked_and_revealed_only_with_a_logged_reason(
    page_as: Any, case_in: Any, users: dict[str, Any]
) -> None:
    case = case_in("investigating")
    officer_page = page_as("officer").get(f"/cases/{case.reference}/").content.decode()
    assert "138****1234" in officer_page and "13812341234" not in officer_page
    assert "case-reveal" not in officer_page and "/reveal/" not in officer_page
    refused = page_as("officer").post(f"/cases/{case.reference}/reveal/", {"reason": "想知道"}, follow=True)
    assert "13812341234" not in refused.content.decode()
    assert not IdentityAccess.objects.exists()

    supervisor = page_as("town_supervisor")
    no_reason = supervisor.post(f"/cases/{case.reference}/reveal/", {"reason": ""}, follow=True)
    assert "13812341234" not in no_reason.content.decode() and messages_of(no_reason)
    revealed = supervisor.post(f"/cases/{case.reference}/reveal/", {"reason": "需要电话核实现场位置"})
    assert "+8613812341234" in revealed.content.decode()
    assert revealed["Cache-Control"] == "no-store"
    access = IdentityAccess.objects.get()
    assert access.user == users["town_supervisor"] and access.reason == "需要电话核实现场位置"


def test_enterprise_history_and_grade_beside_the_case(page_as: Any, case_in: Any) -> None:
    case = case_in("investigating")
    enterprise = EnterpriseFactory(town=case.town, safety_grade="d")
    Case.objects.filter(pk=case.pk).update(enterprise=enterprise)
    body = page_as("officer").get(f"/cases/{case.reference}/").content.decode()
    assert enterprise.name in body and "grade-d" in body


def test_attachments_show_the_stripped_copy_and_the_original_only_by_permission(
    page_as: Any, case_in: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    case = case_in("investigating")
    photo = Attachment(case=case, source="reporter", content_type="image/jpeg", size=4, sha256="0" * 64)
    photo.original_file.save("o.jpg", ContentFile(b"ORIG"), save=False)
    photo.display_file.save("d.jpg", ContentFile(b"SAFE"), save=False)
    photo.save()
    url = f"/cases/{case.reference}/attachments/{photo.pk}/"
    officer = page_as("officer")
    assert b"".join(officer.get(url).streaming_content) == b"SAFE"
    assert officer.get(url + "?original=1").status_code == 403
    assert b"".join(page_as("town_supervisor").get(url + "?original=1").streaming_content) == b"ORIG"
    assert page_as("outsider").get(url).status_code == 404


def test_a_case_of_another_state_cannot_be_reached_by_a_town_before_assignment(page_as: Any) -> None:
    case = CaseFactory()
    assert page_as("officer").get(f"/cases/{case.reference}/").status_code == 404
