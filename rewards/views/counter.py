"""``/rewards/counter/``: intake (and finance) take a reward claim for a reporter in front of them
or on the phone, found by the receipt the reporter holds.

Intake reads no rewards otherwise, so this page shows only what a claim needs: the rewards on
offer for that receipt, each reporter's name masked, and the form. Who took the claim is recorded
on it, and the payout is then recorded by finance (never by whoever took the claim).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from cases.views.access import render_page, staff_page
from config.crypto import mask_name
from directory.access import StaffAccess
from rewards import rules, selectors
from rewards.models import Reward
from rewards.views.claim_page import claim_assisted_from
from rewards.views.forms import AssistedClaimForm


class ReceiptForm(forms.Form):
    receipt = forms.CharField(label=gettext_lazy("The reporter's receipt number"), max_length=40)


def may_take_claims(access: StaffAccess) -> bool:
    return access.has_bureau_role(*rules.CLAIM_TAKER_ROLES)


def _page(
    request: HttpRequest,
    *,
    receipt_form: ReceiptForm,
    rewards: list[Reward] | None = None,
    failed: tuple[int, AssistedClaimForm] | None = None,
    status: int = 200,
) -> HttpResponseBase:
    offers = [
        {
            "reward": reward,
            "reporter": mask_name(reward.reporter.name or ""),
            "form": failed[1] if failed and failed[0] == reward.pk else AssistedClaimForm(prefix=f"r{reward.pk}"),
        }
        for reward in rewards or []
    ]
    response = render_page(
        request, "rewards/counter.html", {"receipt_form": receipt_form, "offers": offers}, status=status
    )
    response["Cache-Control"] = "no-store"  # identity and account never stay in a cache
    return response


@require_http_methods(["GET", "POST"])
@staff_page(may_take_claims)
def counter(request: HttpRequest) -> HttpResponseBase:
    """GET: the receipt form. POST: the rewards on offer for the receipt (POST keeps it out of logs)."""
    if request.method == "GET":
        return _page(request, receipt_form=ReceiptForm())
    receipt_form = ReceiptForm(request.POST)
    if not receipt_form.is_valid():
        return _page(request, receipt_form=receipt_form, status=400)
    rewards = selectors.rewards_on_offer_for_receipt(request.user, receipt_form.cleaned_data["receipt"])
    if not rewards:
        receipt_form.add_error("receipt", _("No reward on offer matches this receipt."))
        return _page(request, receipt_form=receipt_form, status=404)
    return _page(request, receipt_form=receipt_form, rewards=rewards)


@require_POST
@staff_page(may_take_claims)
def counter_claim(request: HttpRequest, reward_id: int) -> HttpResponseBase:
    """Record the claim; a refused form comes back with its errors and what was typed."""
    reward = selectors.reward_get_for_claim(request.user, reward_id)
    form = AssistedClaimForm(request.POST, prefix=f"r{reward.pk}")
    if claim_assisted_from(request, reward, form):
        messages.success(
            request,
            _("The claim for reward #%(reward)s of case %(case)s was recorded; finance will pay it.")
            % {"reward": reward.pk, "case": reward.case.reference},
        )
        return HttpResponseRedirect(reverse("reward-counter"))
    return _page(request, receipt_form=ReceiptForm(), rewards=[reward], failed=(reward.pk, form), status=400)
