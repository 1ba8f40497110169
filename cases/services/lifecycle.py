"""State changes. Each runs one transition in one transaction and writes one event.

Order of checks, so the answer tells the person what to do: may this role make this move at
all (403), is the case in a state that allows it (409), is everything it needs recorded (409,
naming the missing field). A concurrent change of the same case loses with 409, not a double move.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from cases import events
from cases.models import Case, CaseReporter, EventKind, State
from cases.services.deadlines import closure_deadline, feedback_deadline, set_due
from config.errors import Conflict, Forbidden
from directory.models import Town


def run_transition(
    case: Case,
    name: str,
    *,
    by: Any,
    reason: str = "",
    prepare: Callable[[Case], None] | None = None,
    after: Callable[[Case], None] | None = None,
) -> Case:
    """Check and run transition ``name``; ``prepare`` sets what the conditions look at,
    ``after`` sets what follows from the new state (timestamps, deadlines)."""
    method = getattr(case, name)
    candidates = [t for t in case.get_all_state_transitions() if t.name == name]  # type: ignore[attr-defined]
    if not any(t.has_perm(case, by) for t in candidates):
        raise Forbidden(_("Your role may not do this to the case."), code="permission_denied")
    before = case.state
    transition = method._django_fsm.get_transition(before)
    if transition is None:
        raise Conflict(
            _("This action is not possible while the case is “%(state)s”.") % {"state": State(before).label},
            code="transition_not_allowed",
        )
    try:
        with transaction.atomic():
            if prepare:
                prepare(case)
            unmet = [condition for condition in transition.conditions if not condition(case)]
            if unmet:
                raise Conflict(
                    _("The case is missing what this action needs."),
                    code="transition_not_allowed",
                    fields={c.field: [str(c.message)] for c in unmet},
                )
            method()
            if after:
                after(case)
            case.save()
            events.record(
                case=case,
                kind=EventKind.TRANSITION,
                name=name,
                actor=by,
                from_state=before,
                to_state=case.state,
                reason=reason,
            )
    except ConcurrentTransition:
        raise Conflict(
            _("Someone else changed this case at the same time; reload it and try again."), code="concurrent_change"
        ) from None
    return case


def _reason_required(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise Conflict(_("Give a reason."), code="reason_required", fields={"reason": [_("This field is required.")]})
    return reason


def case_accept(*, case: Case, by: Any, reason: str = "") -> Case:
    def after(c: Case) -> None:
        c.accepted_at = timezone.now()
        set_due(c, closure_deadline(c))

    return run_transition(case, "accept", by=by, reason=reason, after=after)


def _decided(reason: str) -> Callable[[Case], None]:
    def after(c: Case) -> None:
        c.decision_reason = reason
        set_due(c, None)

    return after


def case_reject(*, case: Case, by: Any, reason: str) -> Case:
    reason = _reason_required(reason)
    return run_transition(case, "reject", by=by, reason=reason, after=_decided(reason))


def case_refer(*, case: Case, by: Any, agency: str, reason: str) -> Case:
    reason = _reason_required(reason)

    def prepare(c: Case) -> None:
        c.referred_to = agency.strip()

    return run_transition(case, "refer", by=by, reason=reason, prepare=prepare, after=_decided(reason))


def case_merge(*, case: Case, into: Case, by: Any, reason: str = "") -> Case:
    """Close ``case`` as a duplicate; its reporter is linked to the surviving case."""

    def prepare(c: Case) -> None:
        c.merged_into = into

    def after(c: Case) -> None:
        _decided(reason)(c)
        CaseReporter.objects.get_or_create(
            case=into,
            reporter_id=c.reporter_id,
            defaults={"relation": CaseReporter.Relation.MERGED, "source_case": c},
        )
        events.record(
            case=into,
            kind=EventKind.CHANGE,
            name="merged_in",
            actor=by,
            changes={"duplicates": [None, c.reference]},
            reason=reason,
        )

    if into.pk == case.pk:
        raise Conflict(
            _("A case cannot be merged into itself."),
            code="transition_not_allowed",
            fields={"merged_into": [_("Choose another case.")]},
        )
    return run_transition(case, "merge", by=by, reason=reason, prepare=prepare, after=after)


def case_assign(*, case: Case, town: Town, by: Any, reason: str = "") -> Case:
    def prepare(c: Case) -> None:
        c.town = town

    return run_transition(case, "assign", by=by, reason=reason, prepare=prepare)


def case_return_to_bureau(*, case: Case, by: Any, reason: str) -> Case:
    reason = _reason_required(reason)

    def after(c: Case) -> None:
        c.suggested_town, c.town, c.assignee = c.town, None, None

    return run_transition(case, "return_to_bureau", by=by, reason=reason, after=after)


def case_start(*, case: Case, by: Any) -> Case:
    def after(c: Case) -> None:
        c.assignee = by

    return run_transition(case, "start", by=by, after=after)


def case_submit(*, case: Case, by: Any) -> Case:
    return run_transition(case, "submit", by=by)


def case_return_to_officer(*, case: Case, by: Any, reason: str) -> Case:
    return run_transition(case, "return_to_officer", by=by, reason=_reason_required(reason))


def case_close(*, case: Case, by: Any, result_for_reporter: str = "") -> Case:
    def after(c: Case) -> None:
        c.closed_at = timezone.now()
        if result_for_reporter.strip():
            c.result_for_reporter = result_for_reporter.strip()
        set_due(c, feedback_deadline(timezone.localdate()))

    return run_transition(case, "close", by=by, after=after)


def case_reopen(*, case: Case, by: Any, reason: str) -> Case:
    def after(c: Case) -> None:
        c.closed_at = None
        c.feedback_at = None
        set_due(c, closure_deadline(c))

    return run_transition(case, "reopen", by=by, reason=_reason_required(reason), after=after)


def case_feedback_given(*, case: Case) -> Case:
    """The result has reached the reporter: the feedback deadline is met."""
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.feedback_at is None and locked.state == State.CLOSED:
            locked.feedback_at = timezone.now()
            set_due(locked, None)
            locked.save(update_fields=["feedback_at", "due_date", "due_date_estimated"])
    return locked
