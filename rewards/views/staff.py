"""``/rewards/`` and ``/rewards/<id>/``: the bureau's reward list, one reward, and its actions.

Pages parse, call one service and redirect back with the outcome as a page message; the buttons
shown are exactly the moves the rules allow this user now (the services check again on POST).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cases.models import CaseEvent, EventKind
from cases.views.access import form_refusal, refusal, render_page, staff_page
from config.crypto import mask_identifier, mask_name
from config.errors import ApplicationError
from directory.access import StaffAccess, access_for
from directory.models import Role
from rewards import eligibility, rules, selectors, services
from rewards.models import Reward, RewardClaim, RewardState
from rewards.validators import account_warning
from rewards.views.claim_page import claim_assisted_from
from rewards.views.forms import AssistedClaimForm, PayoutForm, ReasonForm, RewardFilterForm


def may_open_rewards(access: StaffAccess) -> bool:
    return access.has_bureau_role(*rules.READER_ROLES)


# A proposal is rejected; later, before the money goes out, a reward is withdrawn.
WITHDRAWABLE = (RewardState.APPROVED, RewardState.OFFERED, RewardState.CLAIMED)


def available_actions(reward: Reward, user: Any) -> set[str]:
    """What this user may do to this reward now: its state, the role and maker-checker together."""
    state = reward.state
    actions = set()
    if state == RewardState.PROPOSED and rules.may_approve(reward, user) and not eligibility.exclusions(reward.flags):
        actions.add("approve")
    if state == RewardState.PROPOSED and rules.may_decide(reward, user):
        actions.add("reject")
    if state == RewardState.APPROVED and rules.may_offer(reward, user):
        actions.add("offer")
    if state == RewardState.CLAIMED and rules.may_record_payout(reward, user):
        actions.add("pay")
    if state in WITHDRAWABLE and rules.may_withdraw(reward, user):
        actions.add("withdraw")
    if state == RewardState.PAID and rules.may_reverse(reward, user):
        actions.add("reverse")
    if state == RewardState.OFFERED and rules.may_assist_claims(user):
        actions.add("claim_assisted")
    if state in (RewardState.CLAIMED, RewardState.PAID) and rules.may_pay(reward, user):
        actions.add("reveal")
    return actions


@staff_page(may_open_rewards)
def reward_list(request: HttpRequest) -> HttpResponseBase:
    form = RewardFilterForm(request.GET or None)
    rewards = selectors.reward_list(request.user)
    if form.is_valid():
        chosen = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
        rewards = rewards.filter(**chosen)
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(rewards, 50).get_page(request.GET.get("page"))
    return render_page(request, "rewards/list.html", {"form": form, "page": page, "query": query.urlencode()})


# Timeline names of the reward events (rewards.services.transitions.MILESTONE, plus the proposal
# and the first of two approvals) as people read them.
MILESTONES = {state.value: state.label for state in RewardState} | {
    "first_approval": _("First of two approvals"),
    "withdrawn": _("Withdrawn"),
    "flagged": _("Flagged for review"),
}


def _timeline(reward: Reward) -> list[tuple[CaseEvent, str]]:
    """The reward's milestones from the case's one event stream, each with its readable name."""
    events = (
        CaseEvent.objects.filter(case_id=reward.case_id, kind=EventKind.REWARD, changes__reward=reward.pk)
        .select_related("actor")
        .order_by("id")
    )
    return [(event, str(MILESTONES.get(event.name, event.name))) for event in events]


def _detail(request: HttpRequest, reward_id: int, **extra: Any) -> HttpResponseBase:
    reward = selectors.reward_get(request.user, reward_id)
    claim = RewardClaim.objects.filter(reward=reward).first()
    not_eligible = eligibility.not_eligible_message(eligibility.exclusions(reward.flags))
    context = {
        "reward": reward,
        "reporter_name": mask_name(reward.reporter.name or ""),
        "claim": claim,
        "claim_name": mask_name(claim.name) if claim else "",
        "claim_account": mask_identifier(claim.account) if claim else "",
        "account_warning": account_warning(claim.method, claim.account) if claim else "",
        "timeline": _timeline(reward),
        "actions": available_actions(reward, request.user),
        "flags": [eligibility.describe(flag) for flag in reward.flags],
        # One form per action, each with its own ids: several may show at once, and a label must
        # name its own field.
        "reject_form": ReasonForm(initial={"reason": not_eligible}, auto_id="reject-%s"),
        "withdraw_form": ReasonForm(initial={"reason": not_eligible}, auto_id="withdraw-%s"),
        "reverse_form": ReasonForm(auto_id="reverse-%s"),
        "reveal_form": ReasonForm(auto_id="reveal-%s"),
        "payout_form": PayoutForm(),
        "assisted_form": extra.pop("assisted_form", None) or AssistedClaimForm(),
        "approver_role": access_for(request.user).has_bureau_role(Role.REWARD_APPROVER),
        **extra,
    }
    response = render_page(request, "rewards/detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@staff_page(may_open_rewards)
def reward_detail(request: HttpRequest, reward_id: int) -> HttpResponseBase:
    return _detail(request, reward_id)


ACTION_FORMS: dict[str, type[ReasonForm] | type[PayoutForm] | None] = {
    "approve": None,
    "reject": ReasonForm,
    "offer": None,
    "pay": PayoutForm,
    "reverse": ReasonForm,
    "withdraw": ReasonForm,
}
DONE = {
    "approve": _("Approval recorded."),
    "reject": _("The reward was rejected."),
    "offer": _("The reward was offered to the reporter."),
    "pay": _("The payout was recorded."),
    "reverse": _("The payout was reversed."),
    "withdraw": _("The reward was withdrawn."),
}


def _act(request: HttpRequest, reward: Reward, action: str, data: dict[str, Any]) -> Reward:
    if action == "approve":
        return services.reward_approve(reward=reward, by=request.user)
    if action == "reject":
        return services.reward_reject(reward=reward, by=request.user, reason=data["reason"])
    if action == "offer":
        return services.reward_offer(reward=reward, by=request.user)
    if action == "pay":
        return services.reward_pay(reward=reward, by=request.user, **data)
    if action == "withdraw":
        return services.reward_withdraw(reward=reward, by=request.user, reason=data["reason"])
    return services.reward_reverse(reward=reward, by=request.user, reason=data["reason"])


@require_POST
@staff_page(may_open_rewards)
def reward_action(request: HttpRequest, reward_id: int, action: str) -> HttpResponseBase:
    reward = selectors.reward_get(request.user, reward_id)
    form_class = ACTION_FORMS[action]
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        form_refusal(request, form)
    else:
        try:
            _act(request, reward, action, dict(form.cleaned_data) if form else {})
        except ApplicationError as error:
            refusal(request, error)
        else:
            messages.success(request, str(DONE[action]))
    return HttpResponseRedirect(reverse("reward", args=[reward_id]))


@require_POST
@staff_page(may_open_rewards)
def reward_claim_assisted(request: HttpRequest, reward_id: int) -> HttpResponseBase:
    """Staff take the claim for the reporter in front of them or on the phone. A refused form is
    shown again with its errors (not redirected), so what was typed is not lost."""
    reward = selectors.reward_get(request.user, reward_id)
    form = AssistedClaimForm(request.POST)
    if claim_assisted_from(request, reward, form):
        messages.success(request, str(_("The claim was recorded for the reporter.")))
        return HttpResponseRedirect(reverse("reward", args=[reward_id]))
    response = _detail(request, reward_id, assisted_form=form)
    response.status_code = 400
    return response


@require_POST
@staff_page(may_open_rewards)
def reward_reveal(request: HttpRequest, reward_id: int) -> HttpResponseBase:
    """Finance sees the claimant's details in clear, in this response only, after giving a reason."""
    reward = selectors.reward_get(request.user, reward_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        form_refusal(request, form)
        return HttpResponseRedirect(reverse("reward", args=[reward_id]))
    try:
        revealed = services.claim_reveal(reward=reward, by=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        refusal(request, error)
        return HttpResponseRedirect(reverse("reward", args=[reward_id]))
    return _detail(request, reward_id, revealed=revealed)
