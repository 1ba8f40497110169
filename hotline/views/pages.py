"""``/report/`` and ``/report/status/``: the mailbox and the reporter's status page, plain HTML forms.

After a successful lookup the session remembers which report was opened, so the follow-up
form needs no password in the page; the session ends when the browser closes.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from cases.models import Case
from cases.receipts import format_receipt
from cases.selectors import case_for_receipt
from config.errors import ApplicationError, refusal_on_form
from hotline.access import address_key, case_for_reporter, throttle
from hotline.forms import FollowupForm, LookupForm, ReportForm
from hotline.selectors import report_status
from hotline.services.mailbox import (
    ReporterDetails,
    Upload,
    WrittenReport,
    files_not_kept_message,
    mailbox_submit,
    report_followup,
)

# A sideways read into rewards, on purpose: the reporter's one page shows their reward (amount, state,
# claim deadline) and links to the claim form, which rewards owns at /report/claim/. Only the
# selector is used; the claim itself never goes through hotline.
from rewards.selectors import reward_of_reporter

SESSION_CASE = "hotline_report_case"
# The case whose own reporter opened the page. A merged duplicate's receipt opens the surviving
# case, whose reward belongs to someone else, so the reward is shown only when this matches.
SESSION_OWN_CASE = "hotline_report_own_case"


def _uploads(files: list[object]) -> list[Upload]:
    return [Upload(name=getattr(f, "name", "") or "", content=f.read()) for f in files]  # type: ignore[attr-defined]


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            throttle("mailbox_address", address_key(request))
            stored = mailbox_submit(
                report=WrittenReport(
                    description=data["description"],
                    category=data["category"],
                    town=data["town"],
                    enterprise=data["enterprise"],
                    enterprise_name=data["enterprise_name"],
                    address=data["address"],
                ),
                reporter=ReporterDetails(
                    anonymous=data["anonymous"],
                    name=data["name"],
                    phone=data["phone"],
                    language=translation.get_language() or "zh-hans",
                ),
                password=data["password"],
                uploads=_uploads(data["attachments"]),
            )
        except ApplicationError as refusal:
            refusal_on_form(form, refusal)
        else:
            context = {
                "receipt": format_receipt(stored.receipt),
                "files_not_kept": files_not_kept_message(stored.files_not_kept) if stored.files_not_kept else "",
            }
            response = render(request, "hotline/receipt.html", context)
            response["Cache-Control"] = "no-store"  # the receipt is shown once; no copy in caches
            return response
    return render(request, "hotline/report.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    lookup = LookupForm(request.POST if "receipt" in request.POST else None)
    followup = FollowupForm()
    case: Case | None = None
    added = False
    if lookup.is_bound and lookup.is_valid():
        try:
            case = case_for_reporter(request, lookup.cleaned_data["receipt"], lookup.cleaned_data["password"])
        except ApplicationError as refusal:
            lookup.add_error(None, refusal.message)
        else:
            request.session.cycle_key()
            request.session[SESSION_CASE] = case.pk
            own = case_for_receipt(lookup.cleaned_data["receipt"])  # password already checked above
            request.session[SESSION_OWN_CASE] = own.pk if own is not None else None
    elif request.method == "GET" and request.session.get(SESSION_CASE):
        case = Case.objects.filter(pk=request.session[SESSION_CASE]).first()  # back to the report opened
    elif request.method == "POST" and request.session.get(SESSION_CASE):
        case = Case.objects.filter(pk=request.session[SESSION_CASE]).first()
        followup = FollowupForm(request.POST, request.FILES)
        if case is not None and followup.is_valid():
            try:
                report_followup(
                    case=case,
                    text=followup.cleaned_data["text"],
                    uploads=_uploads(followup.cleaned_data["attachments"]),
                    question_id=followup.cleaned_data["question"],
                )
            except ApplicationError as refusal:
                refusal_on_form(followup, refusal)
            else:
                followup, added = FollowupForm(), True
    context = {
        "lookup": lookup,
        "followup": followup,
        "status": report_status(case) if case else None,
        "reward": reward_of_reporter(case) if case and case.pk == request.session.get(SESSION_OWN_CASE) else None,
        "added": added,
    }
    response = render(request, "hotline/status.html", context, status=400 if lookup.errors or followup.errors else 200)
    response["Cache-Control"] = "no-store"
    return response
