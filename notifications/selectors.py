"""Reads for live streams: may this user subscribe, what did they miss, may they see this frame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent, EventKind
from cases.models.states import TOWN_VISIBLE_STATES, State
from cases.selectors import cases_visible_to
from directory.access import BUREAU_CASE_ROLES, StaffAccess, access_for
from directory.models import TOWN_ROLES, Role
from notifications.streams import BUREAU_GROUP, case_group, event_frame, town_group

REPLAY_LIMIT = 500
STREAMS = ("town", "case", "bureau")


class SubscriptionRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Subscription:
    stream: str
    group: str
    town_id: int | None = None
    case_id: int | None = None
    reference: str = ""

    def describe(self) -> dict[str, Any]:
        target: dict[str, Any] = {"town": self.town_id} if self.stream == "town" else {}
        if self.stream == "case":
            target = {"case": self.reference}
        return {"stream": self.stream, **target}


def subscription_for(user: Any, request: dict[str, Any]) -> Subscription:
    """The stream a subscribe frame asks for, if ``user`` may have it; else ``SubscriptionRefused``.

    A town or case the user may not see is refused exactly like one that does not exist.
    """
    access = access_for(user)
    stream = request.get("stream")
    if stream == "bureau":
        if not access.has_bureau_role(*BUREAU_CASE_ROLES):
            raise SubscriptionRefused("forbidden", _("Only dispatchers and bureau supervisors see the bureau stream."))
        return Subscription(stream="bureau", group=BUREAU_GROUP)
    if stream == "town":
        town_id = request.get("town")
        if not isinstance(town_id, int) or isinstance(town_id, bool):
            raise SubscriptionRefused("invalid", _("“town” must be the number of a town."))
        if not (access.has_bureau_role(*BUREAU_CASE_ROLES) or access.has_town_role(town_id, *TOWN_ROLES)):
            raise SubscriptionRefused("forbidden", _("You may not follow this town."))
        return Subscription(stream="town", group=town_group(town_id), town_id=town_id)
    if stream == "case":
        reference = request.get("case")
        if not isinstance(reference, str) or not reference.strip() or len(reference) > 20:
            raise SubscriptionRefused("invalid", _("“case” must be a case reference."))
        case = cases_visible_to(user).filter(reference=reference.strip().upper()).first()
        if case is None:
            raise SubscriptionRefused("forbidden", _("No case with this reference is visible to you."))
        return Subscription(stream="case", group=case_group(case.pk), case_id=case.pk, reference=case.reference)
    raise SubscriptionRefused("invalid", _("“stream” must be one of: town, case, bureau."))


def events_after(user: Any, subscription: Subscription, last_event_id: int, limit: int = REPLAY_LIMIT) -> list[dict]:
    """Frames of the events after ``last_event_id`` in this stream that ``user`` may see, oldest first."""
    visible = cases_visible_to(user)
    if subscription.town_id is not None:
        visible = visible.filter(town_id=subscription.town_id)
    if subscription.case_id is not None:
        visible = visible.filter(pk=subscription.case_id)
    missed = (
        CaseEvent.objects.filter(id__gt=last_event_id, case__in=visible).select_related("case").order_by("id")[:limit]
    )
    return [event_frame(event, event.case) for event in missed]


def frame_visible(access: StaffAccess, frame: dict[str, Any]) -> bool:
    """Checked again for each live frame: a case that left the user's towns stops reaching them."""
    if access.has_bureau_role(*BUREAU_CASE_ROLES):
        return True
    if frame.get("town") in access.town_ids and frame.get("state") in TOWN_VISIBLE_STATES:
        return True
    return access.has_bureau_role(Role.INTAKE) and frame.get("state") == State.RECEIVED


def escalations_for(user: Any) -> QuerySet[Case]:
    """The bureau's queue of escalated cases: past their due date now, and escalated by the watch."""
    escalated = CaseEvent.objects.filter(case=OuterRef("pk"), kind=EventKind.OVERDUE)
    return (
        cases_visible_to(user)
        .filter(due_date__lt=timezone.localdate())
        .filter(Exists(escalated))
        .select_related("town", "assignee")
        .order_by("due_date", "pk")
    )
