"""The triage desk: queue order, duplicates and merge, decisions, assignment, staff entry."""

from __future__ import annotations

from typing import Any

from django.utils import translation

from cases import services
from cases.models import Case, Channel, State
from cases.views.forms import REASON_TEMPLATES
from directory.models import Town
from tests.factories import CaseFactory, EnterpriseFactory, ReporterFactory
from tests.pages.conftest import messages_of


def test_queue_puts_sms_and_voice_first(page_as: Any, users: dict[str, Any]) -> None:
    web = CaseFactory(channel=Channel.WEB)
    sms = CaseFactory(channel=Channel.SMS)
    voice = CaseFactory(channel=Channel.VOICE)
    response = page_as("intake").get("/desk/")
    listed = [case.reference for case in response.context["page"]]
    assert listed.index(sms.reference) < listed.index(web.reference)
    assert listed.index(voice.reference) < listed.index(web.reference)


def test_duplicates_by_phone_enterprise_and_text_are_suggested(page_as: Any, users: dict[str, Any]) -> None:
    enterprise = EnterpriseFactory()
    case = CaseFactory(description="仓库消防通道被货物堵死，灭火器过期", enterprise=enterprise)
    same_phone = CaseFactory(description="完全不同的内容", reporter=ReporterFactory(phone=case.reporter.phone))
    same_enterprise = CaseFactory(
        description="另一件事", enterprise=enterprise, reporter=ReporterFactory(phone="+8613900000000")
    )
    similar = CaseFactory(description="仓库消防通道被货物堵死，灭火器都过期了", reporter=ReporterFactory(phone=""))
    unrelated = CaseFactory(description="工地没有安全网", reporter=ReporterFactory(phone="+8613700000000"))
    response = page_as("dispatcher").get(f"/desk/{case.reference}/")
    found = {other.reference: reasons for other, reasons in response.context["duplicates"]}
    assert "phone" in found[same_phone.reference]
    assert "enterprise" in found[same_enterprise.reference]
    assert "text" in found[similar.reference]
    assert unrelated.reference not in found


def test_merge_in_one_click(page_as: Any) -> None:
    survivor = CaseFactory()
    duplicate = CaseFactory(reporter=ReporterFactory(phone=survivor.reporter.phone))
    response = page_as("dispatcher").post(
        f"/desk/{duplicate.reference}/merge/", {"into": survivor.reference}, follow=True
    )
    merged = Case.objects.get(pk=duplicate.pk)
    assert merged.state == State.MERGED and merged.merged_into_id == survivor.pk
    assert any(survivor.reference in text for text in messages_of(response))


def test_accept_with_a_reason_template_then_assign_to_the_suggested_town(page_as: Any, town_a: Town) -> None:
    case = CaseFactory(suggested_town=town_a)
    client = page_as("dispatcher")
    client.post(f"/desk/{case.reference}/decide/", {"action": "accept", "reason_template": "handled"})
    case = Case.objects.get(pk=case.pk)
    assert case.state == State.ACCEPTED
    with translation.override("zh-hans"):  # the page's language: the template is stored as shown
        assert case.events.last().reason == str(dict(REASON_TEMPLATES)["handled"])
    page = client.get(f"/desk/{case.reference}/")
    assert page.context["assign_form"]["town"].value() == town_a.pk
    client.post(f"/desk/{case.reference}/assign/", {"town": town_a.pk})
    assert Case.objects.get(pk=case.pk).state == State.ASSIGNED


def test_reject_without_a_reason_is_refused_naming_the_reason(page_as: Any) -> None:
    case = CaseFactory()
    response = page_as("dispatcher").post(f"/desk/{case.reference}/decide/", {"action": "reject"}, follow=True)
    assert Case.objects.get(pk=case.pk).state == State.RECEIVED
    assert any("reason" in text.lower() or "理由" in text for text in messages_of(response))


def test_refer_needs_the_agency(page_as: Any) -> None:
    case = CaseFactory()
    response = page_as("dispatcher").post(
        f"/desk/{case.reference}/decide/", {"action": "refer", "reason_template": "other_agency"}, follow=True
    )
    assert Case.objects.get(pk=case.pk).state == State.RECEIVED
    assert messages_of(response)


def test_tampered_town_id_is_refused_with_a_message(page_as: Any, users: dict[str, Any]) -> None:
    case = CaseFactory()
    services.case_accept(case=case, by=users["dispatcher"])
    response = page_as("dispatcher").post(f"/desk/{case.reference}/assign/", {"town": 999999}, follow=True)
    assert Case.objects.get(pk=case.pk).state == State.ACCEPTED
    assert messages_of(response)


def test_tampered_decision_is_refused(page_as: Any) -> None:
    case = CaseFactory()
    response = page_as("dispatcher").post(f"/desk/{case.reference}/decide/", {"action": "close"}, follow=True)
    assert Case.objects.get(pk=case.pk).state == State.RECEIVED
    assert messages_of(response)


def test_intake_may_not_accept(page_as: Any) -> None:
    case = CaseFactory()
    client = page_as("intake")
    assert "decision_form" in client.get(f"/desk/{case.reference}/").context
    assert b"desk-decide" not in client.get(f"/desk/{case.reference}/").content
    response = client.post(f"/desk/{case.reference}/decide/", {"action": "accept"}, follow=True)
    assert Case.objects.get(pk=case.pk).state == State.RECEIVED
    assert messages_of(response)


def test_transcript_is_corrected_through_the_desk(page_as: Any) -> None:
    case = CaseFactory(channel=Channel.VOICE, description="听不清")
    page_as("intake").post(
        f"/desk/{case.reference}/edit/", {"description": "狮山镇某厂夜间违规动火", "category": "fire_safety"}
    )
    assert Case.objects.get(pk=case.pk).description == "狮山镇某厂夜间违规动火"


def test_a_letter_is_entered_on_the_reporters_behalf_and_the_receipt_shown_once(
    page_as: Any, users: dict[str, Any], town_a: Town
) -> None:
    response = page_as("intake").post(
        "/desk/new/",
        {
            "channel": "letter",
            "name": "李四",
            "phone": "138 1234 5678",
            "category": "machinery",
            "description": "冲床没有防护罩",
            "suggested_town": town_a.pk,
        },
    )
    assert response.status_code == 200
    case = Case.objects.get(description="冲床没有防护罩")
    assert case.channel == Channel.LETTER and case.entered_by == users["intake"]
    assert case.reporter.phone == "+8613812345678"
    assert len(response.context["receipt"]) >= 16


def test_a_bad_phone_number_is_refused_and_nothing_is_stored(page_as: Any) -> None:
    response = page_as("intake").post(
        "/desk/new/", {"channel": "visit", "phone": "not-a-number", "category": "other", "description": "x"}
    )
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    assert not Case.objects.filter(description="x").exists()


def test_script_in_text_is_shown_escaped(page_as: Any) -> None:
    case = CaseFactory(description="<script>alert(1)</script>")
    body = page_as("dispatcher").get(f"/desk/{case.reference}/").content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_one_click_merge_records_it_as_a_duplicate_report(page_as: Any, users: dict[str, Any]) -> None:
    survivor = CaseFactory()
    duplicate = CaseFactory(reporter=ReporterFactory(phone=survivor.reporter.phone))
    page_as("dispatcher").post(f"/desk/{duplicate.reference}/merge/", {"into": survivor.reference})
    event = Case.objects.get(pk=duplicate.pk).events.last()
    assert (event.name, event.actor, event.reason) == ("merge", users["dispatcher"], "重复举报")
