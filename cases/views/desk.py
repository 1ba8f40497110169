"""The triage desk of intake operators and dispatchers: queue, decisions, merge, assignment, entry.

Its moves are the registered ones (``cases.actions``): offered, validated and run as on the case
page and in the API. What is the desk's own is how it asks: one decision form with reason
templates, the suggested town preselected, a one-click merge into a suggested duplicate.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import services
from cases.actions import ACTIONS, offered
from cases.selectors import case_get
from cases.views.access import form_refusal, may_use_desk, refusal, render_page, staff_page
from cases.views.forms import DecisionForm, StaffEntryForm, TriageForm
from cases.views.moves import make_move
from cases.views.triage import awaiting_assignment, desk_queue, suggested_duplicates
from config.errors import ApplicationError

PAGE_SIZE = 50
DECISIONS = ("accept", "reject", "refer")  # the decision form's moves; merge and assign have their own


def _back(reference: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("desk-case", args=[reference]))


@require_GET
@staff_page(may_use_desk)
def queue(request: HttpRequest) -> HttpResponseBase:
    page = Paginator(desk_queue(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "cases/desk.html",
        {"page": page, "awaiting": awaiting_assignment(request.user)[:PAGE_SIZE]},
    )


@require_GET
@staff_page(may_use_desk)
def triage(request: HttpRequest, reference: str) -> HttpResponseBase:
    case = case_get(request.user, reference)
    moves = {move.name: move for move in offered(case, request.user)}
    triage_form = TriageForm(
        initial={
            "description": case.description,
            "category": case.category,
            "address": case.address,
            "enterprise": case.enterprise_id,
            "suggested_town": case.suggested_town_id,
        }
    )
    assign = moves.get("assign")
    return render_page(
        request,
        "cases/desk_case.html",
        {
            "case": case,
            "available": set(moves),
            "attachments": case.attachments.all(),
            "duplicates": suggested_duplicates(request.user, case),
            "triage_form": triage_form,
            "decision_form": DecisionForm(
                moves=[move for name, move in moves.items() if name in DECISIONS], auto_id="decision-%s"
            ),
            "assign_form": assign and assign.form(initial={"town": case.suggested_town_id}, auto_id="assign-%s"),
        },
    )


@require_POST
@staff_page(may_use_desk)
def edit(request: HttpRequest, reference: str) -> HttpResponseBase:
    case = case_get(request.user, reference)
    form = TriageForm(request.POST)
    if not form.is_valid():
        form_refusal(request, form)
        return _back(reference)
    try:
        services.case_update(case=case, by=request.user, **form.cleaned_data)
    except ApplicationError as error:
        refusal(request, error)
    else:
        messages.success(request, _("Changes saved."))
    return _back(reference)


@require_POST
@staff_page(may_use_desk)
def decide(request: HttpRequest, reference: str) -> HttpResponseBase:
    case = case_get(request.user, reference)
    form = DecisionForm(request.POST, moves=[move for move in ACTIONS if move.name in DECISIONS])
    if not form.is_valid():
        form_refusal(request, form)
        return _back(reference)
    decision = form.cleaned_data["action"]
    if make_move(request, case, decision, form.given()) is None:
        return _back(reference)
    messages.success(request, _("Case %(reference)s: decision recorded.") % {"reference": reference})
    return _back(reference) if decision == "accept" else redirect("desk")


@require_POST
@staff_page(may_use_desk)
def merge(request: HttpRequest, reference: str) -> HttpResponseBase:
    case = case_get(request.user, reference)
    # One click on a suggested duplicate posts only the surviving case; the reason says what it was.
    merged = make_move(request, case, "merge", {"reason": _("Duplicate report"), **request.POST.dict()})
    if merged is None:
        return _back(reference)
    messages.success(
        request, _("%(duplicate)s merged into %(survivor)s.") % {"duplicate": reference, "survivor": merged.merged_into}
    )
    return redirect("desk")


@require_POST
@staff_page(may_use_desk)
def assign(request: HttpRequest, reference: str) -> HttpResponseBase:
    case = case_get(request.user, reference)
    assigned = make_move(request, case, "assign", request.POST)
    if assigned is None:
        return _back(reference)
    messages.success(
        request, _("%(reference)s assigned to %(town)s.") % {"reference": reference, "town": assigned.town}
    )
    return redirect("desk")


@staff_page(may_use_desk)
def enter(request: HttpRequest) -> HttpResponseBase:
    """A letter, visit or operator-taken call, entered on the reporter's behalf."""
    form = StaffEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():  # the reporter is not kept when the case cannot be stored
            reporter = services.reporter_create(name=data["name"], phone=data["phone"], anonymous=data["anonymous"])
            new = services.case_create(
                channel=data["channel"],
                reporter=reporter,
                description=data["description"],
                category=data["category"],
                address=data["address"],
                enterprise=data["enterprise"],
                suggested_town=data["suggested_town"],
                entered_by=request.user,
            )
        response = render_page(request, "cases/desk_entered.html", {"case": new.case, "receipt": new.receipt})
        response["Cache-Control"] = "no-store"  # the receipt is shown once and must not linger in caches
        return response
    return render_page(request, "cases/desk_new.html", {"form": form}, status=400 if form.errors else 200)
