"""Staff login, the TOTP second factor (enrolment and verification) and the landing page."""

from __future__ import annotations

import base64
import io
from typing import Any

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases.views.access import (
    may_see_dashboard,
    may_use_desk,
    may_use_inbox,
    needs_second_factor,
    passed_second_factor,
    staff_page,
)
from config import ratelimit
from directory.access import access_for


class StaffLoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Password guessing is rate-limited before the password is even checked."""
        allowed = ratelimit.login_attempt_allowed(
            username=request.POST.get("username", ""), address=request.META.get("REMOTE_ADDR", "")
        )
        if not allowed:
            context = self.get_context_data(form=self.get_form_class()(request), too_many=ratelimit.LOGIN_REFUSAL)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def get_default_redirect_url(self) -> str:
        return reverse("staff-home")


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("Six-digit code from your authenticator app"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Enter the six digits shown in your authenticator app.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("staff-home")


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    """Verify a TOTP code; a user without a confirmed device enrols one here first."""
    user: Any = request.user
    if not needs_second_factor(user) or passed_second_factor(user):
        return HttpResponseRedirect(_safe_next(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if device is None:
        device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "hotline"})
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verified = django_otp.verify_token(user, device.persistent_id, form.cleaned_data["token"])
        if verified is not None:
            if enrolling:
                verified.confirmed = True
                verified.save(update_fields=["confirmed"])
            django_otp.login(request, verified)
            return HttpResponseRedirect(_safe_next(request))
        form.add_error("token", _("That code is wrong or has expired; wait for the next one and try again."))
    context = {"form": form, "enrolling": enrolling, "next": _safe_next(request)}
    if enrolling:
        context["qr_svg"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
    return render(request, "registration/second_factor.html", context, status=400 if form.errors else 200)


@staff_page()
def staff_home(request: HttpRequest) -> HttpResponse:
    """Send each role to the page of its daily work."""
    access = access_for(request.user)
    for allowed, name in ((may_use_desk, "desk"), (may_use_inbox, "inbox"), (may_see_dashboard, "dashboard")):
        if allowed(access):
            return HttpResponseRedirect(reverse(name))
    return render(request, "cases/no_page.html", status=200)
