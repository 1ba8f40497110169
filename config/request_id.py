"""One id per web request, websocket or task run, carried by every log line it produces.

The proxy's ``X-Request-ID`` is kept when it looks like an id (so its access log and ours join
up); anything else is replaced by a fresh one. The response says which id was used. A task
enqueued during a request runs under that request's id: the id is stored beside the task's id in
the cache when it is enqueued and looked up when a worker starts it (production's cache is Redis,
shared with the workers; without Redis only a worker in the same process finds it). Work queued in
a table of its own rather than as a task (the intake's reports) keeps the id in its row and runs
under it with ``acting_for``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.cache import cache
from django.core.signals import request_finished
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_tasks import TaskResult
from django_tasks.signals import log_task_started, task_enqueued, task_finished, task_started

HEADER = "X-Request-ID"
NO_REQUEST = "-"
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,128}")
_TASK_KEY = "request-id:task:{}"
_TASK_KEY_SECONDS = 7 * 24 * 3600

logger = logging.getLogger(__name__)

current: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)
# The task whose start set ``current`` in a worker, so its end clears it for the next task.
_adopted_by: ContextVar[str | None] = ContextVar("request_id_task", default=None)


def new_id() -> str:
    return uuid.uuid4().hex


def from_header(value: str | None) -> str:
    """The proxy's id when it is well formed, else a new one (a forged header cannot inject log text)."""
    if value and _WELL_FORMED.fullmatch(value):
        return value
    return new_id()


def of_request() -> str:
    """The id of the request being served (or whose work a worker runs); "" outside any."""
    value = current.get()
    return "" if value == NO_REQUEST else value


@contextmanager
def acting_for(request_id: str) -> Iterator[None]:
    """Run a block under a stored request's id (a worker handling that request's work), then the caller's
    again; an empty id keeps the caller's."""
    token = current.set(request_id or current.get())
    try:
        yield
    finally:
        current.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record, so formatters can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get()
        return True


class RequestIdMiddleware:
    """First in MIDDLEWARE: sets the id for the request and returns it in ``X-Request-ID``.

    The id stays set until the response is closed (``request_finished``): Django logs 4xx and 5xx
    answers after the middleware chain has returned, and those lines belong to the request too.
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self._acall(request)
        current.set(from_header(request.headers.get(HEADER)))
        response: HttpResponse = self.get_response(request)
        response[HEADER] = current.get()
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        current.set(from_header(request.headers.get(HEADER)))
        response: HttpResponse = await self.get_response(request)
        response[HEADER] = current.get()
        return response


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def scope_header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin1"))
    return None


class WebsocketRequestIdMiddleware:
    """The same for a websocket: one id for the connection's whole life, sent back on accept."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = from_header(scope_header(scope, b"x-request-id"))

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "websocket.accept":
                headers = list(message.get("headers", []))
                headers.append((HEADER.lower().encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        token = current.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current.reset(token)


@receiver(request_finished, dispatch_uid="request_id_request_finished")
def _leave_request(sender: object, **kwargs: object) -> None:
    current.set(NO_REQUEST)


@receiver(task_enqueued, dispatch_uid="request_id_task_enqueued")
def _remember_for_task(sender: object, task_result: TaskResult[Any], **kwargs: object) -> None:
    if current.get() == NO_REQUEST:
        return
    try:
        cache.set(_TASK_KEY.format(task_result.id), current.get(), _TASK_KEY_SECONDS)
    except Exception:  # the id only joins log lines: a cache outage must not fail the enqueue (and the request)
        logger.warning("Request id not kept for task %s: the cache is unavailable", task_result.id)


@receiver(task_started, dispatch_uid="request_id_task_started")
def _adopt_for_task(sender: object, task_result: TaskResult[Any], **kwargs: object) -> None:
    # The immediate backend runs a task inside the request that enqueued it: that id stays.
    if current.get() != NO_REQUEST:
        return
    key = _TASK_KEY.format(task_result.id)
    try:
        remembered = cache.get(key)
        cache.delete(key)
    except Exception:  # as above: the task runs, under a new id
        remembered = None
    current.set(remembered or new_id())
    _adopted_by.set(task_result.id)


@receiver(task_finished, dispatch_uid="request_id_task_finished")
def _leave_task(sender: object, task_result: TaskResult[Any], **kwargs: object) -> None:
    if _adopted_by.get() == task_result.id:
        current.set(NO_REQUEST)
        _adopted_by.set(None)


# django_tasks logs "Task … state=RUNNING" from its own receiver, connected first: move it after
# ours so that line carries the task's id too.
task_started.disconnect(log_task_started)
task_started.connect(log_task_started)
