from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models.event import AppendOnlyModel
from config.crypto import EncryptedTextField


class ClaimMethod(models.TextChoices):
    BANK = "bank", _("Bank account or card")
    ALIPAY = "alipay", _("Alipay")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")


class RewardClaim(AppendOnlyModel):
    """The reporter's identity and payment details, encrypted; staff see them masked unless paying."""

    reward = models.OneToOneField("rewards.Reward", on_delete=models.PROTECT, related_name="claim_details")
    name = EncryptedTextField(_("name"))
    id_number = EncryptedTextField(_("ID number"))
    method = models.CharField(_("payment method"), max_length=16, choices=ClaimMethod.choices)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    account = EncryptedTextField(_("account"))
    # Staff who took the claim in person or on the phone for a reporter who cannot claim online.
    # They may not also record this reward's payout (rules.may_record_payout): maker-checker.
    assisted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("claim taken by (empty: the reporter online)"),
    )
    created_at = models.DateTimeField(_("claimed"), auto_now_add=True)

    class Meta:
        verbose_name = _("reward claim")
        verbose_name_plural = _("reward claims")

    def __str__(self) -> str:
        return f"{_('Claim')} #{self.pk}"
