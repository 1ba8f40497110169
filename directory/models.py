from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from config.crypto import EncryptedTextField
from directory.identity import id_number_key, phone_key
from directory.validators import validate_credit_code


class Town(models.Model):
    """A town or subdistrict that runs its own reporting line and handles the cases assigned to it."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64)
    sms_keywords = models.JSONField(_("SMS keywords"), default=list, blank=True)
    ivr_digit = models.PositiveSmallIntegerField(_("IVR digit"), unique=True, null=True, blank=True)
    duty_phone = models.CharField(_("duty phone"), max_length=32, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("town")
        verbose_name_plural = _("towns")

    def __str__(self) -> str:
        return self.name


class Village(models.Model):
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="villages", verbose_name=_("town"))
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        ordering = ["town", "name"]
        unique_together = [("town", "name")]
        verbose_name = _("village")
        verbose_name_plural = _("villages")

    def __str__(self) -> str:
        return self.name


class Park(models.Model):
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="parks", verbose_name=_("town"))
    name = models.CharField(_("name"), max_length=128)

    class Meta:
        ordering = ["town", "name"]
        unique_together = [("town", "name")]
        verbose_name = _("industrial park")
        verbose_name_plural = _("industrial parks")

    def __str__(self) -> str:
        return self.name


class Industry(models.TextChoices):
    HAZARDOUS_CHEMICALS = "hazardous_chemicals", _("Hazardous chemicals")
    SMALL_SMELTING = "small_smelting", _("Small smelting")
    SCRAP_METAL = "scrap_metal", _("Scrap metal dismantling")
    QUARRYING = "quarrying", _("Quarrying")
    CONSTRUCTION = "construction", _("Construction")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    WAREHOUSING = "warehousing", _("Warehousing and logistics")
    RETAIL = "retail", _("Retail and services")
    OTHER = "other", _("Other")


HIGH_RISK_INDUSTRIES = frozenset(
    {
        Industry.HAZARDOUS_CHEMICALS,
        Industry.SMALL_SMELTING,
        Industry.SCRAP_METAL,
        Industry.QUARRYING,
        Industry.CONSTRUCTION,
    }
)


class SafetyGrade(models.TextChoices):
    A = "a", _("A – good")
    B = "b", _("B – fair")
    C = "c", _("C – poor")
    D = "d", _("D – dangerous")


class Enterprise(models.Model):
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    address = models.CharField(_("address"), max_length=300)
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("town"))
    park = models.ForeignKey(
        Park, on_delete=models.PROTECT, null=True, blank=True, related_name="enterprises", verbose_name=_("park")
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices)
    safety_grade = models.CharField(_("safety grade"), max_length=1, choices=SafetyGrade.choices)
    # The safety manager has a duty to report, so reports of theirs about this enterprise earn no
    # reward. Encrypted like reporters' details; the keys let rewards compare without decrypting.
    safety_manager_name = EncryptedTextField(_("safety manager"), blank=True)
    safety_manager_id_number = EncryptedTextField(_("safety manager's ID number"), blank=True)
    safety_manager_phone = EncryptedTextField(_("safety manager's phone"), blank=True)
    safety_manager_id_key = models.CharField(max_length=64, blank=True, editable=False)
    safety_manager_phone_key = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.safety_manager_id_key = id_number_key(self.safety_manager_id_number)
        self.safety_manager_phone_key = phone_key(self.safety_manager_phone)
        super().save(*args, **kwargs)

    @property
    def high_risk(self) -> bool:
        return self.industry in HIGH_RISK_INDUSTRIES


class Role(models.TextChoices):
    INTAKE = "intake", _("Intake operator")
    DISPATCHER = "dispatcher", _("Dispatcher")
    TOWN_OFFICER = "town_officer", _("Town officer")
    TOWN_SUPERVISOR = "town_supervisor", _("Town supervisor")
    BUREAU_SUPERVISOR = "bureau_supervisor", _("Bureau supervisor")
    REWARD_APPROVER = "reward_approver", _("Reward approver")
    FINANCE = "finance", _("Finance officer")
    ADMINISTRATOR = "administrator", _("Administrator")


TOWN_ROLES = frozenset({Role.TOWN_OFFICER, Role.TOWN_SUPERVISOR})


class Membership(models.Model):
    """A staff user's role; town roles name the town, bureau roles have none."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships", verbose_name=_("town")
    )

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "town"], name="membership_unique"),
            models.CheckConstraint(
                condition=(
                    models.Q(role__in=sorted(TOWN_ROLES), town__isnull=False)
                    | (~models.Q(role__in=sorted(TOWN_ROLES)) & models.Q(town__isnull=True))
                ),
                name="membership_town_matches_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}" + (f" · {self.town}" if self.town_id else "")


class StaffIdentity(models.Model):
    """A staff user's ID and phone number: staff have a duty to report, so a report of theirs earns
    no reward. Encrypted; the keys are what the reward check compares."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_identity", verbose_name=_("user")
    )
    id_number = EncryptedTextField(_("ID number"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    id_number_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_key = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("staff identity")
        verbose_name_plural = _("staff identities")

    def __str__(self) -> str:
        return str(self.user)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.id_number_key = id_number_key(self.id_number)
        self.phone_key = phone_key(self.phone)
        super().save(*args, **kwargs)
