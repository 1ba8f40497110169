"""``/report/claim/``: the reporter claims an offered reward with a plain HTML form, no login.

Receipt and password (or, for reports made without a password, the phone number they came from)
are typed again and checked on every POST (the status page's session is not trusted for money).
Attempts count against the same limits as the claim API, so switching between the page and the
API, or between password and phone, buys no extra guesses.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from config.crypto import blind_index
from config.errors import ApplicationError, refusal_on_form
from config.ratelimit import hit
from rewards import services
from rewards.claim_api import ATTEMPTS_PER_CLIENT, ATTEMPTS_PER_RECEIPT, WINDOW_SECONDS
from rewards.models import Reward
from rewards.views.forms import ClaimForm


def within_claim_limits(request: HttpRequest) -> bool:
    """The claim API's keys and limits: per client address and per receipt digits."""
    receipt_key = "".join(ch for ch in request.POST.get("receipt", "") if ch.isdigit())
    allowed = hit(
        f"claim:ip:{blind_index(str(request.META.get('REMOTE_ADDR', '')))}",
        limit=ATTEMPTS_PER_CLIENT,
        window_seconds=WINDOW_SECONDS,
    )
    if receipt_key:
        allowed &= hit(
            f"claim:receipt:{blind_index(receipt_key)}", limit=ATTEMPTS_PER_RECEIPT, window_seconds=WINDOW_SECONDS
        )
    return allowed


def payment_details(data: dict[str, Any]) -> services.ClaimDetails:
    return services.ClaimDetails(
        name=data["name"].strip(),
        id_number=data["id_number"],
        method=data["method"],
        account=data["account"],
        bank_name=data["bank_name"].strip(),
    )


def claim_assisted_from(request: HttpRequest, reward: Reward, form: forms.Form) -> bool:
    """Staff record the claim for the reporter before them; False: the form now shows why not."""
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.reward_claim_assisted(
            reward=reward, by=request.user, details=payment_details(data), reason=data["reason"]
        )
    except ApplicationError as error:
        refusal_on_form(form, error)
        return False
    return True


@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest) -> HttpResponse:
    form = ClaimForm(request.POST if request.method == "POST" else None)
    claimed: Reward | None = None
    limited = False
    if request.method == "POST":
        if not within_claim_limits(request):
            limited = True
            form.is_valid()  # bind, so the page shows the fields again
            form.add_error(None, _("Too many attempts. Please wait a quarter of an hour and try again."))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                claimed = services.reward_claim(
                    receipt=data["receipt"],
                    password=data["password"] or None,
                    phone=data["phone"] or None,
                    details=payment_details(data),
                )
            except ApplicationError as refusal:
                refusal_on_form(form, refusal)
    status = 429 if limited else 400 if form.errors else 200
    response = render(request, "rewards/claim.html", {"form": form, "claimed": claimed}, status=status)
    response["Cache-Control"] = "no-store"  # identity and account never stay in a cache
    return response
