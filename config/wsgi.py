"""The WSGI application of the web tier (gunicorn): Django, with a slimmer stack for the Twilio webhooks."""

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")


class WebhookHandler(WSGIHandler):
    """Django for ``settings.WEBHOOK_PREFIX``: Twilio's signed POSTs carry no cookie, choose their
    language from the message and are never framed, so they skip sessions, users, CSRF, language
    negotiation, messages and framing headers (``settings.WEBHOOK_MIDDLEWARE``: the request id, the
    metrics and the security headers stay). ~0.4 ms less server CPU per SMS (bench/README.md,
    "Intake"). Under ASGI (``make run``) the webhooks take the whole stack, and answer the same.
    """

    def load_middleware(self, is_async: bool = False) -> None:
        """``BaseHandler.load_middleware`` for a list of synchronous middleware."""
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(settings.WEBHOOK_MIDDLEWARE):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


_django = get_wsgi_application()
_webhooks = WebhookHandler()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    handler = _webhooks if environ.get("PATH_INFO", "").startswith(settings.WEBHOOK_PREFIX) else _django
    return handler(environ, start_response)
