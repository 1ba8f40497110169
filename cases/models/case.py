from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases import rules
from cases.models.states import State
from directory.models import Enterprise, Town


class Channel(models.TextChoices):
    VOICE = "voice", _("Phone (IVR)")
    SMS = "sms", _("SMS")
    WEB = "web", _("Web mailbox")
    LETTER = "letter", _("Letter")
    VISIT = "visit", _("Visit")
    OPERATOR_CALL = "operator_call", _("Call taken by an operator")
    OPEN311 = "open311", _("Open311 client")


class Category(models.TextChoices):
    FIRE_SAFETY = "fire_safety", _("Fire safety hazard")
    HAZARDOUS_CHEMICALS = "hazardous_chemicals", _("Hazardous chemicals")
    MACHINERY = "machinery", _("Machinery and equipment")
    ELECTRICAL = "electrical", _("Electrical safety")
    CONFINED_SPACE = "confined_space", _("Confined space")
    HEIGHT_WORK = "height_work", _("Work at height")
    OCCUPATIONAL_HEALTH = "occupational_health", _("Occupational health")
    ILLEGAL_PRODUCTION = "illegal_production", _("Illegal production or operation")
    CONCEALED_ACCIDENT = "concealed_accident", _("Concealed or falsely reported accident")
    OTHER = "other", _("Other")


class HazardLevel(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary hazard")
    MAJOR = "major", _("Major hazard")


class AccidentGrade(models.TextChoices):
    GENERAL = "general", _("General")
    LARGER = "larger", _("Larger")
    MAJOR = "major", _("Major")
    ESPECIALLY_MAJOR = "especially_major", _("Especially major")


def new_reference() -> str:
    """Unguessable, easy to read aloud: ``HX`` + 10 characters without look-alikes.

    31**10 ≈ 8×10**14 values: at a million cases the chance that a new one collides is about one
    in 800 million, and ``case_create`` draws again if it ever does.
    """
    alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
    return "HX" + "".join(secrets.choice(alphabet) for _ in range(10))


class Case(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=12, unique=True, default=new_reference, editable=False)
    state = FSMField(_("state"), default=State.RECEIVED, choices=State.choices, protected=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices, default=Category.OTHER)
    description = models.TextField(_("description"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("enterprise")
    )
    enterprise_name = models.CharField(_("enterprise as reported"), max_length=200, blank=True)
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, null=True, blank=True, related_name="cases", verbose_name=_("assigned town")
    )
    suggested_town = models.ForeignKey(
        Town, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("suggested town")
    )
    reporter = models.ForeignKey(
        "cases.Reporter", on_delete=models.PROTECT, related_name="cases", verbose_name=_("reporter")
    )
    receipt_index = models.CharField(max_length=64, unique=True, null=True, editable=False)
    receipt_password = models.CharField(max_length=128, blank=True, editable=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned officer"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("merged into"),
    )
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    decision_reason = models.TextField(_("reason of the last decision"), blank=True)

    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    feedback_at = models.DateTimeField(_("result told to the reporter"), null=True, blank=True)
    # The deadline that applies in the current state (decision, closure or feedback), kept as a
    # column so "overdue now" is an index scan over a million cases, not a computation per row.
    due_date = models.DateField(_("due"), null=True, blank=True, db_index=True)
    due_date_estimated = models.BooleanField(_("due date assumes Monday–Friday"), default=False)
    extension_workdays = models.PositiveSmallIntegerField(_("extension (working days)"), default=0)
    extension_reason = models.TextField(_("extension reason"), blank=True)

    # Findings, recorded by the town before review and closure; they drive the reward.
    substantiated = models.BooleanField(_("substantiated"), null=True, blank=True)
    hazard_level = models.CharField(_("hazard level"), max_length=16, choices=HazardLevel.choices, blank=True)
    illegal_acts = models.TextField(_("illegal acts found"), blank=True)
    fine_amount = models.DecimalField(
        _("fine (yuan)"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    rectification = models.TextField(_("rectification"), blank=True)
    concealed_deaths = models.PositiveSmallIntegerField(_("concealed deaths"), default=0)
    accident_grade = models.CharField(_("accident grade"), max_length=20, choices=AccidentGrade.choices, blank=True)
    findings_summary = models.TextField(_("findings"), blank=True)
    result_for_reporter = models.TextField(_("result told to the reporter"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["town", "state", "due_date"], name="case_town_state_due"),
            models.Index(fields=["created_at", "town", "state"], name="case_created_town_state"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def has_findings(self) -> bool:
        return rules.findings_recorded(self)

    # --- lifecycle -----------------------------------------------------------------------
    # Transitions change only this row; services save, record the event and run effects.

    @transition(field=state, source=State.RECEIVED, target=State.ACCEPTED, permission=rules.may_dispatch)
    def accept(self) -> None:
        pass

    @transition(field=state, source=State.RECEIVED, target=State.REJECTED, permission=rules.may_dispatch)
    def reject(self) -> None:
        pass

    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.REFERRED,
        permission=rules.may_dispatch,
        conditions=[rules.referral_agency_named],
    )
    def refer(self) -> None:
        pass

    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.MERGED,
        permission=rules.may_dispatch,
        conditions=[rules.survivor_is_open],
    )
    def merge(self) -> None:
        pass

    @transition(
        field=state,
        source=State.ACCEPTED,
        target=State.ASSIGNED,
        permission=rules.may_dispatch,
        conditions=[rules.town_chosen],
    )
    def assign(self) -> None:
        pass

    @transition(field=state, source=State.ASSIGNED, target=State.ACCEPTED, permission=rules.may_work_in_town)
    def return_to_bureau(self) -> None:
        pass

    @transition(field=state, source=State.ASSIGNED, target=State.INVESTIGATING, permission=rules.may_work_in_town)
    def start(self) -> None:
        pass

    @transition(
        field=state,
        source=State.INVESTIGATING,
        target=State.IN_REVIEW,
        permission=rules.may_work_in_town,
        conditions=[rules.findings_recorded],
    )
    def submit(self) -> None:
        pass

    @transition(field=state, source=State.IN_REVIEW, target=State.INVESTIGATING, permission=rules.may_supervise_town)
    def return_to_officer(self) -> None:
        pass

    @transition(
        field=state,
        source=State.IN_REVIEW,
        target=State.CLOSED,
        permission=rules.may_supervise_town,
        conditions=[rules.findings_recorded],
    )
    def close(self) -> None:
        pass

    @transition(field=state, source=State.CLOSED, target=State.INVESTIGATING, permission=rules.may_supervise_bureau)
    def reopen(self) -> None:
        pass


class CaseReporter(models.Model):
    """Reporters besides the case's own: joint reporters, and the reporters of merged duplicates."""

    class Relation(models.TextChoices):
        JOINT = "joint", _("Joint reporter")
        MERGED = "merged", _("Reporter of a merged duplicate")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="linked_reporters")
    reporter = models.ForeignKey("cases.Reporter", on_delete=models.PROTECT, related_name="case_links")
    relation = models.CharField(max_length=8, choices=Relation.choices)
    source_case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "reporter"], name="case_reporter_unique")]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.reporter_id} ({self.relation})"


class Attachment(models.Model):
    """Evidence: the original is kept encrypted; staff see ``display_file`` with metadata stripped."""

    class Source(models.TextChoices):
        REPORTER = "reporter", _("Reporter")
        STAFF = "staff", _("Staff")
        MMS = "mms", _("MMS")
        VOICEMAIL = "voicemail", _("Voicemail")

    class TranscriptStatus(models.TextChoices):
        NONE = "", _("Not applicable")
        PENDING = "pending", _("Waiting for transcription")
        DONE = "done", _("Transcribed")
        MANUAL = "manual", _("Needs an officer to transcribe")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    source = models.CharField(max_length=16, choices=Source.choices)
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    original_file = models.FileField(upload_to="evidence/%Y/%m/", max_length=200)
    display_file = models.FileField(upload_to="display/%Y/%m/", max_length=200, blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    transcript = models.TextField(blank=True)
    transcript_status = models.CharField(max_length=8, choices=TranscriptStatus.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name or f"{self.source} #{self.pk}"
