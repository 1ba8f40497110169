"""Forms of the public pages: the mailbox and the receipt lookup (server-rendered, usable on a phone)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.models import Category
from directory.models import Enterprise, Town


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; each is checked by content in the service, not here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,video/*,audio/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    category = forms.ChoiceField(label=_("What is it about?"), choices=Category.choices)
    town = forms.ModelChoiceField(
        label=_("Town"),
        queryset=Town.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("I don't know"),
    )
    enterprise = forms.ModelChoiceField(
        label=_("Company (from the register)"),
        queryset=Enterprise.objects.order_by("name"),
        required=False,
        empty_label=_("Not in the list / I don't know"),
    )
    enterprise_name = forms.CharField(label=_("Company or site name"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    description = forms.CharField(
        label=_("What did you see?"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000, strip=False
    )
    attachments = MultipleFileField(label=_("Photos, videos, recordings or PDFs (up to 10)"), required=False)
    anonymous = forms.BooleanField(label=_("Report anonymously"), required=False, initial=True)
    name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    phone = forms.CharField(label=_("Your phone"), max_length=32, required=False)
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput,
        strip=False,
        help_text=_("With the receipt it opens your report later."),
    )
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data


class LookupForm(forms.Form):
    receipt = forms.CharField(
        label=_("Receipt (16 digits)"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)


class FollowupForm(forms.Form):
    text = forms.CharField(
        label=_("Add information or answer a question"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=20_000,
        required=False,
        strip=False,
    )
    question = forms.IntegerField(widget=forms.HiddenInput, required=False)
    attachments = MultipleFileField(label=_("Files"), required=False)
