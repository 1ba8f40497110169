"""The WSGI application of the web and intake tiers (gunicorn): Django, with slimmer stacks for the public doors."""

import os
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")


class DoorHandler(WSGIHandler):
    """Django with only the middleware of one of ``settings.DOOR_STACKS``: Twilio's signed POSTs and
    the public report API carry no session cookie, so they skip sessions, users, CSRF, messages and
    framing headers (the request id, the metrics and the security headers stay). ~0.4 ms less server
    CPU per SMS (bench/README.md, "Intake"). Under ASGI (``make run``) they take the whole stack, and
    answer the same.
    """

    def __init__(self, middleware: list[str]) -> None:
        self.middleware = middleware
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        """``BaseHandler.load_middleware`` for a list of synchronous middleware."""
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for path in reversed(self.middleware):
            middleware = import_string(path)(handler)
            if hasattr(middleware, "process_view"):
                self._view_middleware.insert(0, middleware.process_view)
            if hasattr(middleware, "process_exception"):
                self._exception_middleware.append(middleware.process_exception)
            handler = convert_exception_to_response(middleware)
        self._middleware_chain = handler


_django = get_wsgi_application()
_doors = [(prefix, DoorHandler(middleware)) for prefix, middleware in settings.DOOR_STACKS.items()]


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    handler = next((door for prefix, door in _doors if path.startswith(prefix)), _django)
    return handler(environ, start_response)
