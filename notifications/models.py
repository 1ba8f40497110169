"""The outbox of messages to reporters and staff, websocket tickets, and the periodic-run ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.crypto import EncryptedTextField, mask_phone


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Being handed to the provider")
    RETRYING = "retrying", _("Waiting to retry")
    SENT = "sent", _("Accepted by the provider")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERED = "undelivered", _("Not delivered")
    FAILED = "failed", _("Failed")
    SUPPRESSED = "suppressed", _("Not sent: the reporter stopped SMS")


# States after which the worker never touches a message again: re-running its task is a no-op.
SETTLED = frozenset(
    {
        DeliveryStatus.SENT,
        DeliveryStatus.DELIVERED,
        DeliveryStatus.UNDELIVERED,
        DeliveryStatus.FAILED,
        DeliveryStatus.SUPPRESSED,
    }
)


class OutboundMessage(models.Model):
    """One SMS or e-mail, created once per event and recipient (``dedupe_key``) and sent by a task.

    In sandbox mode (no Twilio account) the worker marks SMS delivered without sending: the rows
    with ``sandbox=True`` are the outbox staff read in the admin.
    """

    channel = models.CharField(_("channel"), max_length=8, choices=MessageChannel.choices)
    to = EncryptedTextField(_("recipient"))  # a reporter's phone is personal data
    body = models.TextField(_("text"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    purpose = models.CharField(_("purpose"), max_length=32)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("case")
    )
    reporter = models.ForeignKey(
        "cases.Reporter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reporter"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED, db_index=True
    )
    sandbox = models.BooleanField(_("sandbox outbox"), default=False)
    provider_sid = models.CharField(_("provider id"), max_length=64, null=True, blank=True, unique=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.masked_to} ({self.purpose})"

    @property
    def masked_to(self) -> str:
        if self.channel == MessageChannel.SMS:
            return mask_phone(self.to)
        local, _at, domain = self.to.partition("@")
        return f"{local[:1]}***@{domain}"


class LiveTicket(models.Model):
    """A short-lived, single-use pass for an API client's websocket; only its hash is stored."""

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"ticket #{self.pk}"


class PeriodicSlot(models.Model):
    """One row per run of a periodic task and time slot: a second chain of the same task that
    finds its slot taken stops, so starting the schedule twice never doubles the work."""

    name = models.CharField(max_length=64)
    slot = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="periodic_slot_unique")]

    def __str__(self) -> str:
        return f"{self.name}@{self.slot}"
