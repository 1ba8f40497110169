"""Links to the reward pages in the staff navigation, for the roles that may open them.

A context processor, so the cases app (which builds the rest of the navigation) never imports
rewards: ``base.html`` shows these links after the ones the page itself passes.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from rewards import rules


def reward_navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    links = []
    if rules.may_read(user):
        links.append((reverse("rewards"), _("Rewards")))
    if rules.may_assist_claims(user):
        links.append((reverse("reward-counter"), _("Reward claims at the counter")))
    return {"reward_nav_links": links} if links else {}
