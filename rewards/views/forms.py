"""Forms of the reward pages. Each field checks what it can alone; the services check the rest."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import Town
from rewards.claim_api import ONE_PROOF, PROOF_REQUIRED
from rewards.models import ClaimMethod, PaymentMethod, RewardState
from rewards.validators import normalize_bank_account, normalize_id_number, normalize_mobile_payment_account


class PaymentDetailsForm(forms.Form):
    """Who is paid and where: the reporter's own claim and the claim staff take for them."""

    name = forms.CharField(label=_("Your full name"), max_length=50)
    id_number = forms.CharField(label=_("Your ID number"), max_length=30)
    method = forms.ChoiceField(label=_("How to be paid"), choices=ClaimMethod.choices)
    bank_name = forms.CharField(label=_("Bank (for a bank account)"), max_length=100, required=False)
    account = forms.CharField(
        label=_("Account or card number, or payment account"),
        max_length=64,
        help_text=_(
            "A bank account or card number (10 to 30 digits), or the mobile number or e-mail of your Alipay or "
            "WeChat Pay account."
        ),
    )

    def clean_id_number(self) -> str:
        return normalize_id_number(self.cleaned_data["id_number"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        method, account = data.get("method"), data.get("account")
        if method and account:
            try:
                normalize = normalize_bank_account if method == ClaimMethod.BANK else normalize_mobile_payment_account
                data["account"] = normalize(account)
            except ValidationError as error:
                self.add_error("account", error)
        if method == ClaimMethod.BANK and not data.get("bank_name", "").strip():
            self.add_error("bank_name", _("Name the bank of this account."))
        return data


class ClaimForm(PaymentDetailsForm):
    """The reporter proves the report is theirs again with every claim: receipt and password, or,
    for a report made without a password (SMS, voice), receipt and the phone number it came from."""

    field_order = ["receipt", "password", "phone"]

    receipt = forms.CharField(label=_("Receipt number"), max_length=40)
    password = forms.CharField(
        label=_("Password"), max_length=128, strip=False, widget=forms.PasswordInput, required=False
    )
    phone = forms.CharField(
        label=_("Or: the phone number you reported from"),
        max_length=32,
        required=False,
        help_text=_("Only if you reported by text message or phone call and set no password."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        given = [name for name in ("password", "phone") if data.get(name)]
        if not given:
            self.add_error("password", PROOF_REQUIRED)
        elif len(given) == 2:
            self.add_error("phone", ONE_PROOF)
        return data


class AssistedClaimForm(PaymentDetailsForm):
    """Staff type what the reporter shows them; the reason says how the reporter was checked."""

    reason = forms.CharField(
        label=_("How the reporter was checked"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: receipt and identity card seen at the counter."),
    )


class RewardFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=[("", _("All")), *RewardState.choices], required=False)
    town = forms.ModelChoiceField(
        label=_("Paying department"), queryset=Town.objects.order_by("name"), required=False, empty_label=_("All")
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class PayoutForm(forms.Form):
    """The key is made when the form is shown: a double click sends the same key twice, and the
    ledger records one payout per key."""

    method = forms.ChoiceField(label=_("Paid by"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Payment reference"), max_length=100)
    # A date input takes only ISO dates: the Chinese date format would leave it empty (and required).
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"idempotency_key": uuid.uuid4().hex, "paid_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
