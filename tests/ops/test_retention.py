"""``manage.py retention``: identities and original evidence go past retention; cases, events, ledger, figures stay."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from cases import retention, services
from cases.models import (
    Attachment,
    BreakdownDayFigure,
    Case,
    CaseEvent,
    CaseFigure,
    CloseDurationFigure,
    Reporter,
    TownDayFigure,
)
from directory.models import Town
from hotline.models import InboundReport
from notifications.models import OutboundMessage
from rewards.models import LedgerEntry
from tests.hotline.conftest import SMS, jpeg_with_gps, sms, twilio_post  # noqa: F401  (fixture)
from tests.rewards import flows
from tests.rewards.conftest import national_policy, report  # noqa: F401  (fixtures)

YEARS_AGO_4 = timedelta(days=4 * 365)
YEARS_AGO_2 = timedelta(days=2 * 365)


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RETENTION_YEARS = 3


@dataclass
class World:
    old: Case  # closed four years ago, named reporter, a photo
    old_rejected: Case  # rejected four years ago, same kind of reporter
    recent: Case  # closed two years ago
    rewarded: Case  # closed four years ago with a paid reward
    shared_old: Case  # closed four years ago, but its reporter has an open case
    shared_open: Case


def web_report(name: str, phone: str) -> Case:
    photo = SimpleUploadedFile("site.jpg", jpeg_with_gps(), content_type="image/jpeg")
    body = {
        "category": "fire_safety",
        "description": "仓库堆满油漆",
        "password": "pw-123456",
        "anonymous": False,
        "name": name,
        "phone": phone,
        "files": [photo],
    }
    response = APIClient().post("/api/v1/reports/", body, format="multipart")
    assert response.status_code == 201, response.json()
    return Case.objects.order_by("-pk").first()  # type: ignore[return-value]


@pytest.fixture
def world(
    users: dict[str, Any],
    town_a: Town,
    report: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> World:
    def close(case: Case) -> Case:
        case = services.case_accept(case=case, by=users["dispatcher"])
        case = services.case_assign(case=case, town=town_a, by=users["dispatcher"])
        case = services.case_start(case=Case.objects.get(pk=case.pk), by=users["officer"])
        services.case_findings_record(case=case, by=users["officer"], substantiated=False)
        case = services.case_submit(case=Case.objects.get(pk=case.pk), by=users["officer"])
        return services.case_close(case=Case.objects.get(pk=case.pk), by=users["town_supervisor"])

    def at(ago: timedelta, make: Callable[[], Case]) -> Case:
        with time_machine.travel(timezone.now() - ago, tick=True), django_capture_on_commit_callbacks(execute=True):
            made = make()
        return Case.objects.get(pk=made.pk)

    old = at(YEARS_AGO_4, lambda: close(web_report("李建国", "13700002222")))
    old_rejected = at(
        YEARS_AGO_4,
        lambda: services.case_reject(case=web_report("赵桂芳", "13600003333"), by=users["dispatcher"], reason="重复"),
    )
    recent = at(YEARS_AGO_2, lambda: close(web_report("陈志强", "13500004444")))

    def paid() -> Case:
        rep = report()
        flows.paid(rep.reward, rep.receipt, users)
        return rep.case

    rewarded = at(YEARS_AGO_4, paid)
    shared_old = at(YEARS_AGO_4, lambda: close(web_report("王小明", "13912345678")))
    shared_open = at(timedelta(0), lambda: web_report("王小明", "13912345678"))
    # The same person reported again (the SMS and staff channels find them by phone; here by hand).
    Case.objects.filter(pk=shared_open.pk).update(reporter=shared_old.reporter)
    return World(old, old_rejected, recent, rewarded, shared_old, Case.objects.get(pk=shared_open.pk))


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def figures() -> list[list[dict[str, Any]]]:
    models = [CaseFigure, TownDayFigure, CloseDurationFigure, BreakdownDayFigure]
    return [list(model.objects.order_by("pk").values()) for model in models]


def identity(case: Case) -> tuple[str, str, str, str]:
    reporter = Reporter.objects.get(pk=case.reporter_id)
    return (reporter.name, reporter.phone, reporter.phone_index, reporter.id_number)


def original_path(attachment: Attachment) -> Path:
    return Path(attachment.original_file.path)


@pytest.mark.django_db
def test_it_erases_identity_and_original_evidence_past_retention_and_keeps_the_rest(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    old_photo = Attachment.objects.get(case=world.old)
    old_file = original_path(old_photo)
    shared_old_file = original_path(Attachment.objects.get(case=world.shared_old))
    assert old_file.exists() and shared_old_file.exists()
    events_before = list(CaseEvent.objects.order_by("pk").values())
    ledger_before = list(LedgerEntry.objects.order_by("pk").values())
    figures_before = figures()
    anonymous_before = list(Reporter.objects.order_by("pk").values_list("anonymous", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        output = run()

    assert "3 cases ended" in output  # old, old_rejected, shared_old
    for case in (world.old, world.old_rejected):
        assert identity(case) == ("", "", "", "")
    # Not past retention, rewarded, or the reporter has a newer case: identity kept.
    assert identity(world.recent)[0] == "陈志强"
    assert identity(world.rewarded)[0] == "张三"
    assert identity(world.shared_old)[:2] == ("王小明", "+8613912345678")

    assert not old_file.exists()
    old_photo = Attachment.objects.get(pk=old_photo.pk)
    assert not old_photo.original_file and old_photo.display_file and old_photo.sha256
    assert not shared_old_file.exists()  # evidence goes per case, whatever the reporter's other cases
    assert original_path(Attachment.objects.get(case=world.recent)).exists()

    # The case, its history, the ledger and every figure are as they were; one audit event per case changed.
    assert Case.objects.get(pk=world.old.pk).state == "closed"
    new_events = list(CaseEvent.objects.order_by("pk").values())[len(events_before) :]
    assert list(CaseEvent.objects.order_by("pk").values())[: len(events_before)] == events_before
    assert sorted((e["case_id"], e["kind"], e["name"]) for e in new_events) == sorted(
        (case.pk, "change", "retention") for case in (world.old, world.old_rejected, world.shared_old)
    )
    audit = next(e for e in new_events if e["case_id"] == world.old.pk)
    assert audit["changes"]["reporters_erased"] == [world.old.reporter_id]
    assert audit["changes"]["evidence_files_deleted"] == 1
    assert list(LedgerEntry.objects.order_by("pk").values()) == ledger_before
    assert figures() == figures_before
    assert list(Reporter.objects.order_by("pk").values_list("anonymous", flat=True)) == anonymous_before


@pytest.mark.django_db
def test_a_second_run_changes_and_records_nothing(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run()
    events = CaseEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        output = run()
    assert "0 reporter identities and 0 original evidence files erased; 0 cases" in output
    assert CaseEvent.objects.count() == events


@pytest.mark.django_db
def test_the_reporter_with_a_newer_case_is_erased_once_that_one_is_past_retention_too(
    world: World, django_capture_on_commit_callbacks: Any, users: dict[str, Any]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run()
    services.case_reject(case=world.shared_open, by=users["dispatcher"], reason="重复")
    with time_machine.travel(timezone.now() + YEARS_AGO_4), django_capture_on_commit_callbacks(execute=True):
        run()
    assert identity(world.shared_old) == ("", "", "", "")


@pytest.mark.django_db
def test_a_dry_run_says_what_would_go_and_changes_nothing(world: World) -> None:
    events = CaseEvent.objects.count()
    output = run("--dry-run")
    assert "3 cases ended" in output and "would be erased" in output
    assert "2 reporter identities and 3 original evidence files" in output
    assert identity(world.old)[0] == "李建国"
    assert original_path(Attachment.objects.get(case=world.old)).exists()
    assert CaseEvent.objects.count() == events


@pytest.mark.django_db
def test_the_period_is_a_setting(world: World, settings: Any) -> None:
    settings.RETENTION_YEARS = 1
    run()
    assert identity(world.recent) == ("", "", "", "")
    assert identity(world.rewarded)[0] == "张三"


@pytest.mark.django_db
def test_apps_above_cases_erase_their_copies_through_subscribe(
    world: World, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """Outbound messages and provider payloads keep a reporter's number too: their apps subscribe an eraser."""
    monkeypatch.setattr(retention, "_erasers", [])
    erased: list[list[int]] = []

    def erase_messages(reporter_ids: list[int]) -> int:
        erased.append(reporter_ids)
        return len(reporter_ids)

    retention.subscribe(erase_messages)

    with django_capture_on_commit_callbacks(execute=True):
        run()
        run()

    assert erased == [sorted([world.old.reporter_id, world.old_rejected.reporter_id])]


@pytest.mark.django_db
def test_texts_to_an_erased_reporter_keep_their_wording_but_not_the_number(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    rejected = OutboundMessage.objects.get(reporter=world.old_rejected.reporter_id, purpose="decision")
    kept = OutboundMessage.objects.filter(reporter=world.shared_old.reporter_id)
    assert rejected.to == "+8613600003333" and kept.exists()

    with django_capture_on_commit_callbacks(execute=True):
        run()

    erased = OutboundMessage.objects.get(pk=rejected.pk)
    assert erased.to == "" and erased.body == rejected.body
    assert {message.to for message in kept} == {"+8613912345678"}


@pytest.mark.django_db
def test_the_number_hash_the_sms_door_kept_goes_with_the_identity(
    twilio_post: Any,  # noqa: F811
    users: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    def texted_and_rejected() -> Case:
        twilio_post(SMS, sms("SM" + "4" * 32, "车间消防通道被堵死", sender="+8613512345678"))
        inbound = InboundReport.objects.get(sid="SM" + "4" * 32)
        assert inbound.case is not None and inbound.sender_index
        return services.case_reject(case=inbound.case, by=users["dispatcher"], reason="重复")

    with time_machine.travel(timezone.now() - YEARS_AGO_4, tick=True), django_capture_on_commit_callbacks(execute=True):
        case = texted_and_rejected()

    with django_capture_on_commit_callbacks(execute=True):
        run()

    assert identity(case) == ("", "", "", "")
    assert InboundReport.objects.get(case=case).sender_index == ""
