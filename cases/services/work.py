"""Writes that are not state changes: notes, questions, findings, extensions, triage edits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from cases import events, rules
from cases.models import Case, CaseEvent, EventKind, IdentityAccess, Reporter, State
from cases.models.states import FINAL_STATES, OPEN_STATES
from cases.services.deadlines import closure_deadline, set_due
from config.errors import Conflict, Forbidden
from directory.access import access_for
from directory.models import Role

FINDINGS_FIELDS = (
    "substantiated",
    "hazard_level",
    "illegal_acts",
    "fine_amount",
    "rectification",
    "concealed_deaths",
    "accident_grade",
    "findings_summary",
    "result_for_reporter",
)
TRIAGE_FIELDS = ("description", "category", "address", "enterprise", "enterprise_name", "suggested_town")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return value.pk
    return value


def _apply_changes(case: Case, values: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for field, new in values.items():
        old = getattr(case, field)
        if old != new:
            changes[field] = [_jsonable(old), _jsonable(new)]
            setattr(case, field, new)
    return changes


def _text_required(text: str, field: str = "text") -> str:
    text = text.strip()
    if not text:
        raise Conflict(_("Write something first."), code="invalid", fields={field: [_("This field is required.")]})
    return text


def case_note_add(*, case: Case, by: Any, text: str, public: bool = False) -> CaseEvent:
    return events.record(case=case, kind=EventKind.NOTE, actor=by, text=_text_required(text), public=public)


def case_question_ask(*, case: Case, by: Any, text: str) -> CaseEvent:
    """A question the reporter sees (and, where they can be reached, is told about)."""
    if case.state in FINAL_STATES and case.state != State.CLOSED:
        raise Conflict(_("This case is no longer handled here."), code="transition_not_allowed")
    return events.record(case=case, kind=EventKind.QUESTION, actor=by, text=_text_required(text), public=True)


def case_followup_add(*, case: Case, text: str, reply_to: CaseEvent | None = None) -> CaseEvent:
    """Something the reporter added: more detail or an answer to an officer's question."""
    if reply_to is not None and (reply_to.case_id != case.pk or reply_to.kind != EventKind.QUESTION):
        raise Conflict(
            _("That question does not belong to this report."),
            code="invalid",
            fields={"question": [_("Unknown question.")]},
        )
    return events.record(case=case, kind=EventKind.FOLLOWUP, text=_text_required(text), public=True, reply_to=reply_to)


def case_transcript_fill(*, case: Case, text: str) -> Case:
    """A voicemail transcript becomes the case text, unless a person already wrote or corrected it."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.description or not text:
            return locked
        locked.description = text
        locked.save(update_fields=["description"])
        events.record(case=locked, kind=EventKind.CHANGE, name="transcript", changes={"description": ["", text]})
    return locked


def case_findings_record(*, case: Case, by: Any, **findings: Any) -> Case:
    unknown = set(findings) - set(FINDINGS_FIELDS)
    if unknown:
        raise ValueError(f"not findings: {sorted(unknown)}")
    if not rules.may_record_findings(case, by):
        raise Forbidden(_("Only the town handling the case records its findings."), code="permission_denied")
    if case.state not in {State.INVESTIGATING, State.IN_REVIEW}:
        raise Conflict(
            _("Findings are recorded while the case is being investigated or reviewed."), code="transition_not_allowed"
        )
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        changes = _apply_changes(locked, findings)
        if changes:
            locked.full_clean(exclude=["reporter", "state"])
            locked.save(update_fields=list(changes))
            events.record(case=locked, kind=EventKind.CHANGE, name="findings", actor=by, changes=changes)
    return locked


def case_update(*, case: Case, by: Any, **values: Any) -> Case:
    """Triage edits (text, category, enterprise, suggested town) while the case is open."""
    unknown = set(values) - set(TRIAGE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    access = access_for(by)
    if not (
        access.has_bureau_role(Role.INTAKE, Role.DISPATCHER, Role.BUREAU_SUPERVISOR) or rules.may_work_in_town(case, by)
    ):
        raise Forbidden(_("Your role may not edit this case."), code="permission_denied")
    if case.state not in OPEN_STATES:
        raise Conflict(_("A case that is no longer open cannot be edited."), code="transition_not_allowed")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        changes = _apply_changes(locked, values)
        if changes:
            locked.save(update_fields=list(changes))
            events.record(case=locked, kind=EventKind.CHANGE, name="edit", actor=by, changes=changes)
    return locked


def case_extend(*, case: Case, by: Any, workdays: int, reason: str) -> Case:
    """The one extension of the closure deadline; the reporter is told the reason."""
    limit = int(settings.HOTLINE_DEADLINES["extension_max_workdays"])
    if not rules.may_extend(case, by):
        raise Forbidden(_("Extensions are approved by a bureau supervisor."), code="permission_denied")
    if not 1 <= workdays <= limit:
        raise Conflict(
            _("An extension is between 1 and %(limit)s working days.") % {"limit": limit},
            code="invalid",
            fields={"workdays": [_("Out of range.")]},
        )
    reason = _text_required(reason, "reason")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.extension_workdays:
            raise Conflict(_("This case has already been extended once."), code="already_extended")
        if locked.state not in {State.ACCEPTED, State.ASSIGNED, State.INVESTIGATING, State.IN_REVIEW}:
            raise Conflict(_("Only a case being handled can be extended."), code="transition_not_allowed")
        old_due = locked.due_date
        locked.extension_workdays = workdays
        locked.extension_reason = reason
        set_due(locked, closure_deadline(locked))
        locked.save(update_fields=["extension_workdays", "extension_reason", "due_date", "due_date_estimated"])
        events.record(
            case=locked,
            kind=EventKind.EXTENSION,
            actor=by,
            reason=reason,
            public=True,
            changes={"due_date": [str(old_due), str(locked.due_date)], "workdays": [0, workdays]},
        )
    return locked


REVEAL_ROLES = (Role.INTAKE, Role.DISPATCHER, Role.BUREAU_SUPERVISOR)


def may_reveal(case: Case, user: Any) -> bool:
    access = access_for(user)
    return access.has_bureau_role(*REVEAL_ROLES) or access.has_town_role(case.town_id, Role.TOWN_SUPERVISOR)


def reporter_reveal(*, case: Case, by: Any, reason: str) -> Reporter:
    """The reporter's identity in clear, for a role that may see it, with a reason that is logged."""
    if not may_reveal(case, by):
        raise Forbidden(_("Your role may not see the reporter's identity."), code="permission_denied")
    reason = _text_required(reason, "reason")
    IdentityAccess.objects.create(user=by, reporter_id=case.reporter_id, case=case, purpose="case", reason=reason)
    return case.reporter
