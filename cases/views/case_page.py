"""The case page of town officers, supervisors and the bureau: read, discuss, record, move on."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import rules, services
from cases.actions import offered
from cases.models import Case, State
from cases.selectors import case_get, case_timeline, cases_visible_to
from cases.services.work import FINDINGS_FIELDS, may_reveal
from cases.views.access import form_refusal, refusal, render_page, staff_page
from cases.views.forms import FindingsForm, NoteForm, QuestionForm, RevealForm
from cases.views.moves import make_move
from config.crypto import mask_name, mask_phone
from config.errors import ApplicationError


def _state_label(state: str) -> str:
    return str(State(state).label) if state in State.values else state


def _back(reference: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("case", args=[reference]))


def _findings_initial(case: Case) -> dict[str, Any]:
    initial = {field: getattr(case, field) for field in FINDINGS_FIELDS}
    initial["substantiated"] = {True: "yes", False: "no", None: ""}[case.substantiated]
    return initial


def _enterprise_history(user: Any, case: Case) -> dict[str, Any] | None:
    if not case.enterprise_id:
        return None
    others = cases_visible_to(user).filter(enterprise_id=case.enterprise_id).exclude(pk=case.pk)
    return {
        "enterprise": case.enterprise,
        "by_state": [
            (State(state).label, n)
            for state, n in others.order_by().values_list("state").annotate(n=Count("pk")).order_by("state")
        ],
        "recent": others.order_by("-created_at")[:5],
    }


def _case_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    user = request.user
    town = {"town": case.town_id or case.suggested_town_id}
    reporter = case.reporter
    return {
        "case": case,
        # name -> (action, its form): a button and the fields it needs, for each move offered now
        "transitions": {
            action.name: (action, action.form(initial=town, auto_id=f"{action.name}-%s"))
            for action in offered(case, user)
        },
        "timeline": [
            (event, _state_label(event.from_state), _state_label(event.to_state)) for event in case_timeline(case)
        ],
        "attachments": case.attachments.all(),
        "reporter_masked": {
            "name": mask_name(reporter.name) if reporter.name else "",
            "phone": mask_phone(reporter.phone),
            "anonymous": reporter.anonymous,
        },
        "may_reveal": may_reveal(case, user),
        "may_record_findings": rules.may_record_findings(case, user),
        "findings_form": FindingsForm(initial=_findings_initial(case)),
        "note_form": NoteForm(),
        "question_form": QuestionForm(),
        "reveal_form": RevealForm(),
        "enterprise_history": _enterprise_history(user, case),
        **extra,
    }


@require_GET
@staff_page()
def case_detail(request: HttpRequest, reference: str) -> HttpResponseBase:
    case = case_get(request.user, reference)
    return render_page(request, "cases/case.html", _case_context(request, case))


@require_POST
@staff_page()
def transition(request: HttpRequest, reference: str) -> HttpResponseBase:
    case = case_get(request.user, reference)
    if make_move(request, case, request.POST.get("name"), request.POST) is None:
        return _back(reference)
    messages.success(
        request, _("Done: the case is now “%(state)s”.") % {"state": Case.objects.get(pk=case.pk).get_state_display()}
    )
    if case_is_still_visible(request.user, reference):
        return _back(reference)
    return HttpResponseRedirect(reverse("staff-home"))


def case_is_still_visible(user: Any, reference: str) -> bool:
    return cases_visible_to(user).filter(reference=reference).exists()


@require_POST
@staff_page()
def findings(request: HttpRequest, reference: str) -> HttpResponseBase:
    case = case_get(request.user, reference)
    form = FindingsForm(request.POST)
    if not form.is_valid():
        form_refusal(request, form)
        return _back(reference)
    try:
        services.case_findings_record(case=case, by=request.user, **form.cleaned_data)
    except ApplicationError as error:
        refusal(request, error)
    else:
        messages.success(request, _("Findings saved."))
    return _back(reference)


@require_POST
@staff_page()
def note(request: HttpRequest, reference: str) -> HttpResponseBase:
    case = case_get(request.user, reference)
    form = NoteForm(request.POST)
    if not form.is_valid():
        form_refusal(request, form)
        return _back(reference)
    try:
        services.case_note_add(
            case=case, by=request.user, text=form.cleaned_data["text"], public=form.cleaned_data["public"]
        )
    except ApplicationError as error:
        refusal(request, error)
    else:
        messages.success(request, _("Note added."))
    return _back(reference)


@require_POST
@staff_page()
def question(request: HttpRequest, reference: str) -> HttpResponseBase:
    case = case_get(request.user, reference)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        form_refusal(request, form)
        return _back(reference)
    try:
        services.case_question_ask(case=case, by=request.user, text=form.cleaned_data["text"])
    except ApplicationError as error:
        refusal(request, error)
    else:
        messages.success(request, _("Question sent to the reporter."))
    return _back(reference)


@require_POST
@staff_page()
def reveal(request: HttpRequest, reference: str) -> HttpResponseBase:
    """The identity in clear on this one response (never in a URL), after a logged reason."""
    case = case_get(request.user, reference)
    form = RevealForm(request.POST)
    if not form.is_valid():
        form_refusal(request, form)
        return _back(reference)
    try:
        reporter = services.reporter_reveal(case=case, by=request.user, reason=form.cleaned_data["reason"])
    except ApplicationError as error:
        refusal(request, error)
        return _back(reference)
    response = render_page(request, "cases/case.html", _case_context(request, case, revealed=reporter))
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@staff_page()
def attachment(request: HttpRequest, reference: str, pk: int) -> HttpResponseBase:
    """The stripped display copy; the original evidence only for roles that may reveal identities."""
    case = case_get(request.user, reference)
    item = case.attachments.filter(pk=pk).first()
    if item is None:
        raise Http404
    want_original = request.GET.get("original") == "1"
    if want_original and not may_reveal(case, request.user):
        raise ApplicationError(
            _("Only the bureau and the town supervisor may open the original evidence."),
            status_code=403,
            code="permission_denied",
        )
    if want_original or (not item.display_file and item.content_type.startswith("audio/")):
        stored = item.original_file  # recordings carry no photo metadata: they are their own display copy
    elif item.display_file:
        stored = item.display_file
    else:
        raise Http404  # the stripped copy is not made yet; never fall back to the original photo

    response = FileResponse(stored.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    return response
