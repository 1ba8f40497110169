"""A registered case move made from a staff page: offered to this user now, its input valid, then run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cases.actions import offered
from cases.models import Case
from cases.views.access import form_refusal, refusal
from config.errors import ApplicationError


def make_move(request: HttpRequest, case: Case, name: str | None, given: Mapping[str, Any]) -> Case | None:
    """Run the move ``name`` with the posted ``given``; ``None`` when refused, the reason left on the next page."""
    action = next((offer for offer in offered(case, request.user) if offer.name == name), None)
    if action is None:
        messages.error(request, _("That action is not available to you for this case now."))
        return None
    form = action.form(given)
    if not form.is_valid():
        form_refusal(request, form)
        return None
    try:
        return action.run(case, request.user, form.cleaned_data)
    except ApplicationError as error:
        refusal(request, error)
        return None
