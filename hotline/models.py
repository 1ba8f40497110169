"""What intake keeps beside the case core: delivered webhooks (for exactly-once), remote media, Open311 clients."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Attachment, Case, Channel
from config.crypto import EncryptedTextField


class TwilioDelivery(models.Model):
    """One row per voicemail CallSid handled: a redelivery finds it and gets the same reply.

    SMS use ``InboundReport.sid`` instead; rows of kind ``sms`` are from before that change.

    The reply may carry the receipt (it is what the reporter was told), so it is encrypted like
    any other personal data; the receipt itself still exists only as a hash on the case.
    """

    class Kind(models.TextChoices):
        SMS = "sms", _("SMS")
        VOICEMAIL = "voicemail", _("Voicemail")

    sid = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reply = EncryptedTextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Twilio delivery")
        verbose_name_plural = _("Twilio deliveries")

    def __str__(self) -> str:
        return self.sid


class InboundReport(models.Model):
    """A report stored at the door, before its case exists: the webhook or form commits this row,
    answers at once, and the task worker builds the case from it.

    ``sid`` (MessageSid) makes a redelivered SMS replay ``reply`` instead of reporting twice; an SMS
    that asks for nothing to be built (a status query, STOP, a refusal) is kept as ``answered`` for
    the same reason. ``receipt_index`` is the hash of the receipt the reply already gave, so the
    receipt works before the case is built. ``payload`` (encrypted JSON) holds what the reporter
    sent, the mailbox password included; it is emptied once the case is built. ``request_id`` is the
    id of the request that stored the row, so the worker's lines about its build carry it too.

    The table is also the worker's queue: a row ``pending`` with no ``attempts`` is built by the
    next drain, which the workers' watch enqueues (``hotline.tasks.inbound_watch``); the door stores
    no task row.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be registered")
        BUILT = "built", _("Registered as a case")
        ANSWERED = "answered", _("Answered, nothing to register")

    sid = models.CharField(max_length=64, null=True, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    receipt_index = models.CharField(max_length=64, null=True, blank=True, editable=False)
    sender_index = models.CharField(max_length=64, blank=True, editable=False)
    payload = EncryptedTextField(blank=True)
    reply = EncryptedTextField(blank=True)
    # Set when the reply told the reporter that this message joins an earlier report.
    join_case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    join_inbound = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    request_id = models.CharField(max_length=128, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    built_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("inbound report")
        verbose_name_plural = _("inbound reports")
        # Every index here is written by the door's INSERT, so each is as small as its readers allow:
        # the unique columns are constraints (no second, pattern-matching index on PostgreSQL), and
        # the mostly-empty links and the worker's queue index only hold the rows they are looked up by.
        constraints = [
            models.UniqueConstraint(fields=["sid"], name="hotline_inbound_sid"),
            models.UniqueConstraint(fields=["receipt_index"], name="hotline_inbound_receipt"),
        ]
        indexes = [
            # What a first SMS looks up in its INSERT to choose its reply: this number's latest waiting report.
            models.Index(
                fields=["sender_index", "-created_at"],
                name="hotline_inbound_pending_sender",
                condition=models.Q(status="pending"),
            ),
            # The worker's queue: rows still waiting for their case, in the order a drain reads them. Not
            # on created_at: the planner could then take it for the lookup above, and walk every waiting row.
            models.Index(fields=["id"], name="hotline_inbound_waiting", condition=models.Q(status="pending")),
            *(
                models.Index(
                    fields=[link], name=f"hotline_inbound_{link}", condition=models.Q(**{f"{link}__isnull": False})
                )
                for link in ("case", "join_case", "join_inbound")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.pk}"


class RemoteMedia(models.Model):
    """A file Twilio holds for a case (MMS photo, voicemail) until a task has copied it in."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for download")
        STORED = "stored", _("Stored")
        FAILED = "failed", _("Download failed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500, unique=True)
    source = models.CharField(max_length=16, choices=Attachment.Source.choices)
    recording_sid = models.CharField(max_length=64, blank=True, db_index=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    # Twilio's transcription can arrive before the download finishes; it waits here until then.
    transcript = models.TextField(blank=True)
    transcript_status = models.CharField(max_length=8, choices=Attachment.TranscriptStatus.choices, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    attachment = models.OneToOneField(Attachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("remote media")
        verbose_name_plural = _("remote media")

    def __str__(self) -> str:
        return f"{self.source}:{self.pk}"


class Open311Client(models.Model):
    """An Open311 GeoReport client allowed to file and read requests; the key is kept only as a hash."""

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return self.name


class Open311Request(models.Model):
    """Which client filed which case: a client reads back only its own requests."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="requests")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")

    def __str__(self) -> str:
        return str(self.case_id)
