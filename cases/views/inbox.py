"""The town inbox: the cases of the user's towns, by deadline, refreshed live from ``/ws/live/``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import F, QuerySet
from django.db.models.functions import Left
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases.models import Case, State
from cases.models.states import OPEN_STATES
from cases.selectors import cases_visible_to
from cases.views.access import may_use_inbox, render_page, staff_page
from cases.views.forms import InboxFilterForm
from directory.access import BUREAU_CASE_ROLES, access_for

PAGE_SIZE = 50
SUMMARY_LENGTH = 70
ROW_FIELDS = [
    "reference",
    "state",
    "enterprise_name",
    "due_date",
    "due_date_estimated",
    "town__name",
    "enterprise__name",
    "assignee__username",
]
ORDERINGS: dict[str, list[Any]] = {
    "due": [F("due_date").asc(nulls_last=True), "pk"],
    "-due": [F("due_date").desc(nulls_last=True), "-pk"],
    "-received": ["-created_at", "-pk"],
}


@dataclass(frozen=True)
class InboxPage:
    """One page of the inbox, without a count of every case that matches: that COUNT costs as much
    as the page itself at a busy town's scale. Reading one row more than the page shows tells
    whether there is a next page. Quacks like the Paginator's page for ``_pager.html``."""

    number: int
    cases: list[Case]
    has_next: bool
    paginator = None  # the total is not known

    @classmethod
    def of(cls, cases: QuerySet[Case], number: str | None) -> InboxPage:
        page = int(number) if number and number.isdigit() and int(number) > 0 else 1
        start = (page - 1) * PAGE_SIZE
        rows = list(cases[start : start + PAGE_SIZE + 1])
        return cls(number=page, cases=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE)

    def __iter__(self) -> Iterator[Case]:
        return iter(self.cases)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1


def inbox_cases(request: HttpRequest, form: InboxFilterForm) -> QuerySet[Case]:
    access = access_for(request.user)
    cases = cases_visible_to(request.user).filter(town__isnull=False)
    if not access.has_bureau_role(*BUREAU_CASE_ROLES):
        cases = cases.filter(town__in=access.town_ids)
    data = form.cleaned_data if form.is_valid() else {}
    state = data.get("state")
    cases = cases.filter(state=state) if state else cases.filter(state__in=OPEN_STATES)
    if data.get("enterprise"):
        cases = cases.filter(enterprise=data["enterprise"])
    ordering = ORDERINGS[data.get("sort") or "due"]
    # Only what a row shows, and the description's start: a report's text may run to 20,000 characters.
    return (
        cases.select_related("town", "enterprise", "assignee")
        .only(*ROW_FIELDS)
        .annotate(summary=Left("description", SUMMARY_LENGTH + 1))
        .order_by(*ordering)
    )


@require_GET
@staff_page(may_use_inbox)
def inbox(request: HttpRequest) -> HttpResponseBase:
    access = access_for(request.user)
    town_ids = None if access.has_bureau_role(*BUREAU_CASE_ROLES) else access.town_ids
    form = InboxFilterForm(request.GET or None, town_ids=town_ids)
    cases = inbox_cases(request, form)
    page = InboxPage.of(cases, request.GET.get("page"))
    # Labels once per page: get_state_display() evaluates every state's lazy label on each row.
    state_labels = {state.value: str(state.label) for state in State}
    # htmx asks for the rows only when the live stream says something changed.
    template = "cases/_inbox_rows.html" if request.headers.get("HX-Request") else "cases/inbox.html"
    query = request.GET.copy()
    query.pop("page", None)
    return render_page(
        request,
        template,
        {
            "form": form,
            "page": page,
            "rows": [(case, state_labels[case.state]) for case in page],
            "query": query.urlencode(),
            "today": timezone.localdate(),
            "filter_errors": form.errors if form.is_bound else {},
            # The live stream to follow: the bureau stream for dispatchers, else the user's towns.
            "live_bureau": town_ids is None,
            "live_towns": ",".join(str(town) for town in sorted(access.town_ids)),
        },
    )
