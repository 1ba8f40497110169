from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit row."""


class AppendOnlyModel(models.Model):
    """Rows are written once: saving an existing row or deleting one raises.

    PostgreSQL additionally refuses UPDATE and DELETE through a trigger (see migrations),
    so raw SQL and bulk queryset updates cannot rewrite history either.
    """

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only.")


class EventKind(models.TextChoices):
    CREATED = "created", _("Received")
    TRANSITION = "transition", _("State changed")
    CHANGE = "change", _("Details changed")
    NOTE = "note", _("Note")
    QUESTION = "question", _("Question to the reporter")
    FOLLOWUP = "followup", _("Follow-up from the reporter")
    EXTENSION = "extension", _("Deadline extended")
    DEADLINE_NEAR = "deadline_near", _("Deadline near")
    OVERDUE = "overdue", _("Overdue, escalated")
    MESSAGE = "message", _("Message to the reporter")
    REWARD = "reward", _("Reward")


class CaseEvent(AppendOnlyModel):
    """One row per change of a case, in order; its id is the position in the live stream."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    name = models.CharField(_("action"), max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    text = models.TextField(_("text"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    public = models.BooleanField(_("visible to the reporter"), default=False)
    reply_to = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies")
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}:{self.name}"


class IdentityAccess(AppendOnlyModel):
    """Who saw a reporter's decrypted identity or payment details, when, and why."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reporter = models.ForeignKey("cases.Reporter", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=32)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("identity access")
        verbose_name_plural = _("identity accesses")

    def __str__(self) -> str:
        return f"{self.user_id} → {self.reporter_id} ({self.purpose})"
