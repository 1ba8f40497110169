"""One error shape for every API error: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms import Form
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    """A refusal a person can act on: carries an HTTP status, a stable code and a translated message."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code: str = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status_code = status_code or self.status_code
        self.fields = fields or {}


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class Forbidden(ApplicationError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "forbidden"


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


def refusal_on_form(form: Form, refusal: ApplicationError) -> None:
    """Show a service's refusal on a page's form: on the fields it names, or above the form."""
    placed = False
    for field, texts in refusal.fields.items():
        if field in form.fields:
            for text in texts:
                form.add_error(field, text)
            placed = True
    if not placed:
        form.add_error(None, refusal.message)


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF nests errors by field; flatten to ``{"field.sub": ["message", …]}``."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = key if not prefix else f"{prefix}.{key}"
            if key in {"non_field_errors", "__all__"}:
                name = prefix or "non_field_errors"
            for sub_key, messages in _flatten(value, name).items():
                out.setdefault(sub_key, []).extend(messages)
        return out
    if isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            for sub_key, messages in _flatten(item, f"{prefix}.{index}" if prefix else str(index)).items():
                out.setdefault(sub_key, []).extend(messages)
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = _flatten(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        return Response(error_body("invalid", _("The request has invalid fields."), fields), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = error_body("invalid", _("The request has invalid fields."), _flatten(exc.detail))
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        body = error_body(code if isinstance(code, str) else "error", str(detail))
    response.data = body
    return response
