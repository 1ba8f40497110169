"""Who may open which staff page, the second factor for bureau roles, and page-level helpers."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from directory.access import StaffAccess, access_for
from directory.models import Role

# Roles that see the whole district or money must log in with a second factor (TOTP).
SECOND_FACTOR_ROLES = (
    Role.DISPATCHER,
    Role.BUREAU_SUPERVISOR,
    Role.REWARD_APPROVER,
    Role.FINANCE,
    Role.ADMINISTRATOR,
)
DESK_ROLES = (Role.INTAKE, Role.DISPATCHER, Role.BUREAU_SUPERVISOR)
DASHBOARD_ROLES = (Role.DISPATCHER, Role.BUREAU_SUPERVISOR, Role.ADMINISTRATOR, Role.REWARD_APPROVER, Role.FINANCE)

View = Callable[..., HttpResponseBase]


def needs_second_factor(user: Any) -> bool:
    return access_for(user).has_bureau_role(*SECOND_FACTOR_ROLES)


def passed_second_factor(user: Any) -> bool:
    """``is_verified`` is attached to the user by django-otp's middleware for this request."""
    return bool(getattr(user, "is_verified", lambda: False)())


def may_use_desk(access: StaffAccess) -> bool:
    return access.has_bureau_role(*DESK_ROLES)


def may_use_inbox(access: StaffAccess) -> bool:
    return bool(access.town_ids) or access.has_bureau_role(Role.DISPATCHER, Role.BUREAU_SUPERVISOR)


def may_see_dashboard(access: StaffAccess) -> bool:
    return access.has_bureau_role(*DASHBOARD_ROLES)


def staff_page(allowed: Callable[[StaffAccess], bool] | None = None) -> Callable[[View], View]:
    """Logged in, a staff member, past the second factor where the role needs one, and ``allowed``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = access_for(user)
            if not access.is_staff_member:
                raise PermissionDenied(_("This page is for hotline staff."))
            if needs_second_factor(user) and not passed_second_factor(user):
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('staff-otp')}?{query}")
            if allowed is not None and not allowed(access):
                raise PermissionDenied(_("Your role may not open this page."))
            try:
                return view(request, *args, **kwargs)
            except ApplicationError as error:  # e.g. a case the user may not see: same as a missing one
                return render_page(request, "cases/refused.html", {"error": error}, status=error.status_code)

        return wrapper

    return decorate


def navigation(request: HttpRequest) -> list[tuple[str, str]]:
    access = access_for(request.user)
    links = []
    if may_use_desk(access):
        links.append((reverse("desk"), _("Triage desk")))
    if may_use_inbox(access):
        links.append((reverse("inbox"), _("Inbox")))
    if may_see_dashboard(access):
        links.append((reverse("dashboard"), _("Dashboard")))
    return links


def render_page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponseBase:
    return render(request, template, {"nav_links": navigation(request), **context}, status=status)


def refusal(request: HttpRequest, error: ApplicationError) -> None:
    """Show a service's refusal on the next page, naming the fields it concerns."""
    details = "; ".join(f"{' '.join(texts)}" for texts in error.fields.values())
    messages.error(request, f"{error.message} {details}".strip())


def form_refusal(request: HttpRequest, form: Any) -> None:
    """A form's errors as page messages, each naming the field by its label."""
    for field, texts in form.errors.items():
        label = "" if field == "__all__" else f"{form.fields[field].label}: "
        messages.error(request, label + " ".join(str(t) for t in texts))
