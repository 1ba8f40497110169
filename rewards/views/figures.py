"""``/rewards/figures/``: the bureau's rewards panel — offered, claimed and paid per month, and
budget used and left per paying department, for one year."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone

from cases.views.access import render_page, staff_page
from rewards import selectors
from rewards.views.forms import FiguresForm
from rewards.views.staff import may_open_rewards

STEPS = ("offered", "claimed", "paid")


@staff_page(may_open_rewards)
def figures(request: HttpRequest) -> HttpResponseBase:
    form = FiguresForm(request.GET or None)
    year, town = timezone.localdate().year, None
    if form.is_valid():
        year = form.cleaned_data["year"] or year
        town = form.cleaned_data["town"]
    months = selectors.reward_statistics(year=year, town_id=town.pk if town else None)
    totals = {key: sum(row[key] for row in months) for key in months[0] if key != "month"}
    budget = [
        line for line in selectors.budget_report(request.user, year=year) if town is None or line.town_id == town.pk
    ]
    context = {"form": form, "year": year, "town": town, "months": months, "totals": totals, "budget": budget}
    return render_page(request, "rewards/figures.html", context, status=400 if form.errors else 200)
