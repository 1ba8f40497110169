"""Prometheus metrics at ``/metrics``, for the monitoring network only (docs/deployment.md).

Two kinds, so every figure is right however many processes serve:

- per-process figures (HTTP requests and their latency by route and status, open websockets)
  live in prometheus_client metrics. With several processes per host (gunicorn workers), set
  ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory the processes share; a scrape of any one
  of them then adds up all of them.
- figures held by the database (cases received by channel, the task queue, outbound messages
  by status) are counted at scrape time, so they are the same from any process and never drift.

Access: a bearer token (``METRICS_TOKEN``) or a client address in ``METRICS_ALLOWED_IPS``.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator
from ipaddress import ip_address
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from cases.models import Case
from config.request_id import ASGIApp, Receive, Scope, Send
from notifications.models import OutboundMessage

HTTP_REQUESTS = Counter(
    "hotline_http_requests", "HTTP requests answered, by route name, method and status.", ["route", "method", "status"]
)
HTTP_LATENCY = Histogram(
    "hotline_http_request_duration_seconds",
    "Time to answer an HTTP request, by route name.",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5, 10),
)
WEBSOCKETS = Gauge("hotline_websocket_connections", "Websockets open now.", multiprocess_mode="livesum")

UNMATCHED_ROUTE = "unmatched"


def route_name(request: HttpRequest) -> str:
    """The URL pattern's name (bounded label values), never the path (which holds references)."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else UNMATCHED_ROUTE


class RequestMetricsMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if iscoroutinefunction(self):
            return self._acall(request)
        started = time.perf_counter()
        response: HttpResponse = self.get_response(request)
        self._observe(request, response, started)
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response: HttpResponse = await self.get_response(request)
        self._observe(request, response, started)
        return response

    @staticmethod
    def _observe(request: HttpRequest, response: HttpResponse, started: float) -> None:
        route = route_name(request)
        HTTP_REQUESTS.labels(route, request.method or "", str(response.status_code)).inc()
        HTTP_LATENCY.labels(route).observe(time.perf_counter() - started)


class DatabaseCollector(Collector):
    """Figures read from the database at scrape time."""

    def describe(self) -> Iterator[Metric]:
        # Names only: registering must not query the database (it may not exist yet).
        yield CounterMetricFamily("hotline_cases_created", "", labels=["channel"])
        yield GaugeMetricFamily("hotline_outbound_messages", "", labels=["channel", "status"])
        yield GaugeMetricFamily("hotline_task_queue_ready", "", labels=["queue"])
        yield GaugeMetricFamily("hotline_task_queue_oldest_ready_seconds", "", labels=["queue"])

    def collect(self) -> Iterator[Metric]:
        cases = CounterMetricFamily("hotline_cases_created", "Cases received, by intake channel.", labels=["channel"])
        for channel, count in Case.objects.order_by().values_list("channel").annotate(count=Count("id")):
            cases.add_metric([channel], count)
        yield cases

        messages = GaugeMetricFamily(
            "hotline_outbound_messages", "Outbound SMS and e-mail, by channel and status.", labels=["channel", "status"]
        )
        rows = OutboundMessage.objects.order_by().values_list("channel", "status").annotate(count=Count("id"))
        for channel, status, count in rows:
            messages.add_metric([channel, status], count)
        yield messages

        yield from _task_queue()


def _task_queue() -> Iterator[Metric]:
    depth = GaugeMetricFamily("hotline_task_queue_ready", "Tasks ready to run and not yet picked up.", labels=["queue"])
    age = GaugeMetricFamily(
        "hotline_task_queue_oldest_ready_seconds", "How long the oldest ready task has waited.", labels=["queue"]
    )
    now = timezone.now()
    # A task is due from its run_after, or from when it was enqueued if it had none (stored as "max").
    no_delay = Q(run_after=get_date_max())
    rows = (
        DBTaskResult.objects.ready()
        .order_by()
        .values("queue_name")
        .annotate(
            count=Count("id"),
            oldest_enqueued=Min("enqueued_at", filter=no_delay),
            oldest_run_after=Min("run_after", filter=~no_delay),
        )
    )
    for row in rows:
        due = min(moment for moment in (row["oldest_enqueued"], row["oldest_run_after"]) if moment is not None)
        depth.add_metric([row["queue_name"]], row["count"])
        age.add_metric([row["queue_name"]], max((now - due).total_seconds(), 0.0))
    yield depth
    yield age


_database = DatabaseCollector()
if not settings.PROMETHEUS_MULTIPROC_DIR:
    REGISTRY.register(_database)


def exposition() -> bytes:
    if not settings.PROMETHEUS_MULTIPROC_DIR:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)  # type: ignore[no-untyped-call]
    registry.register(_database)
    return generate_latest(registry)


def may_scrape(request: HttpRequest) -> bool:
    token: str = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    try:
        address = ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        # Not found rather than forbidden: the endpoint does not announce itself to the public.
        return HttpResponse(status=404)
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


class WebsocketMetricsMiddleware:
    """Counts a websocket as open from its accept until its consumer returns."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        accepted = False

        async def counting_send(message: dict[str, Any]) -> None:
            nonlocal accepted
            if message["type"] == "websocket.accept" and not accepted:
                accepted = True
                WEBSOCKETS.inc()
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            if accepted:
                WEBSOCKETS.dec()
