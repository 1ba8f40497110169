"""E-mail to staff: a case assigned to their town, a question of theirs answered, deadlines.

Mails name the case and what happened, never the reporter or their words: staff read those in
the case itself, where access is checked and logged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import translation
from django.utils.translation import gettext as _

from cases.models import Case, CaseEvent, EventKind
from directory.models import TOWN_ROLES, Role
from notifications.models import MessageChannel, OutboundMessage
from notifications.services.messages import message_send
from notifications.services.texts import render_text

STAFF_LANGUAGE = "zh-hans"


def town_staff(town_id: int | None, roles: Iterable[str] = TOWN_ROLES) -> list[Any]:
    if town_id is None:
        return []
    users = get_user_model().objects.filter(
        memberships__town_id=town_id, memberships__role__in=list(roles), is_active=True
    )
    return list(users.distinct().order_by("pk"))


def bureau_staff(*roles: str) -> list[Any]:
    users = get_user_model().objects.filter(memberships__role__in=list(roles), is_active=True)
    return list(users.distinct().order_by("pk"))


def mail_staff(
    *,
    users: Iterable[Any],
    template: str,
    subject: str,
    context: dict[str, Any],
    purpose: str,
    key: str,
    case: Case | None = None,
) -> list[OutboundMessage]:
    """One e-mail per user with an address; ``key`` + user id make it once per event and person."""
    queued = []
    seen: set[int] = set()
    for user in users:
        if not user.email or user.pk in seen:
            continue
        seen.add(user.pk)
        queued.append(
            message_send(
                to=user.email,
                subject=subject,
                body=render_text(template, {**context, "user": user}, STAFF_LANGUAGE),
                purpose=purpose,
                dedupe_key=f"{key}:user:{user.pk}:email",
                case=case,
                channel=MessageChannel.EMAIL,
            )
        )
    return queued


def event_notify_staff(event: CaseEvent) -> list[OutboundMessage]:
    case = Case.objects.select_related("town", "assignee").get(pk=event.case_id)
    context = {
        "reference": case.reference,
        "town": case.town,
        "category": case.get_category_display(),
        "due": case.due_date,
    }
    key = f"event:{event.pk}"
    with translation.override(STAFF_LANGUAGE):
        if event.kind == EventKind.TRANSITION and event.name == "assign":
            return mail_staff(
                users=town_staff(case.town_id),
                template="email/assigned",
                context=context,
                case=case,
                subject=_("New case %(reference)s for your town") % context,
                purpose="assignment",
                key=key,
            )
        if event.kind == EventKind.FOLLOWUP and event.reply_to_id is not None:
            question = CaseEvent.objects.select_related("actor").get(pk=event.reply_to_id)
            return mail_staff(
                users=[u for u in (question.actor, case.assignee) if u is not None],
                template="email/answered",
                context=context,
                case=case,
                subject=_("The reporter answered your question on case %(reference)s") % context,
                purpose="question_answered",
                key=key,
            )
        if event.kind in {EventKind.DEADLINE_NEAR, EventKind.OVERDUE}:
            return _deadline_mail(event, case, context, key)
    return []


def _deadline_mail(event: CaseEvent, case: Case, context: dict[str, Any], key: str) -> list[OutboundMessage]:
    """The assignee and whoever supervises them; an overdue case also goes up to the bureau."""
    users: list[Any] = [case.assignee] if case.assignee else []
    if case.town_id is not None:
        users += town_staff(case.town_id, [Role.TOWN_SUPERVISOR])
    else:
        users += bureau_staff(Role.DISPATCHER)
    overdue = event.kind == EventKind.OVERDUE
    if overdue:
        users += bureau_staff(Role.BUREAU_SUPERVISOR)
    subject = _("Case %(reference)s is overdue") if overdue else _("Case %(reference)s is due on %(due)s")
    return mail_staff(
        users=users,
        template="email/deadline",
        context={**context, "overdue": overdue},
        case=case,
        subject=subject % context,
        purpose="overdue" if overdue else "deadline_near",
        key=key,
    )
