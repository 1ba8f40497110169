"""``/metrics``: only for the monitoring network or the token holder, and the figures an operator alerts on."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max
from prometheus_client.parser import text_string_to_metric_families

from cases.models import Channel
from config.metrics import exposition
from notifications.models import DeliveryStatus, MessageChannel, OutboundMessage
from tests.factories import CaseFactory
from tests.notifications.live_helpers import connect_as

TOKEN = "scrape-token-0123456789"


@pytest.fixture(autouse=True)
def _metrics_access(settings: Any) -> None:
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_NETWORKS = [ip_network("10.20.0.0/16")]


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples_of(text: str) -> Samples:
    """Every sample of one scrape, keyed by name and sorted labels."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def scrape(client: Client | None = None) -> Samples:
    response = (client or Client()).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return samples_of(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "remote_addr"),
    [
        ({}, "203.0.113.9"),
        ({"HTTP_AUTHORIZATION": "Bearer wrong-token"}, "203.0.113.9"),
        ({"HTTP_AUTHORIZATION": TOKEN}, "203.0.113.9"),  # not as a bearer token
        ({}, "10.21.0.1"),
    ],
)
def test_it_hides_from_the_public(headers: dict[str, str], remote_addr: str) -> None:
    response = Client().get("/metrics", REMOTE_ADDR=remote_addr, **headers)
    assert response.status_code == 404
    assert b"hotline_" not in response.content


@pytest.mark.django_db
def test_it_answers_the_monitoring_network_and_the_token() -> None:
    assert Client().get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    response = Client().get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.django_db
def test_it_settles_nothing_when_neither_is_configured(settings: Any) -> None:
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_NETWORKS = []
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db
def test_it_counts_requests_by_route_name_and_status() -> None:
    key = ("hotline_http_requests_total", (("method", "GET"), ("route", "healthz"), ("status", "200")))
    missing = ("hotline_http_requests_total", (("method", "GET"), ("route", "unmatched"), ("status", "404")))
    before = scrape()
    client = Client()
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/HX23456789AB/")
    after = scrape()
    assert after[key] - before.get(key, 0) == 2
    assert after[missing] - before.get(missing, 0) == 1
    # The path (which may hold a case reference) never becomes a label.
    assert not any("HX23456789AB" in str(labels) for _name, labels in after)
    count = ("hotline_http_request_duration_seconds_count", (("route", "healthz"),))
    assert after[count] - before.get(count, 0) == 2


@pytest.mark.django_db
def test_it_counts_cases_by_channel() -> None:
    CaseFactory.create_batch(3, channel=Channel.SMS)
    CaseFactory(channel=Channel.WEB)
    samples = scrape()
    assert samples[("hotline_cases_created_total", (("channel", "sms"),))] == 3
    assert samples[("hotline_cases_created_total", (("channel", "web"),))] == 1


@pytest.mark.django_db
def test_it_reports_queue_depth_and_the_oldest_ready_task_age() -> None:
    def enqueue(queue: str, *, waited: timedelta, run_after: Any = None) -> None:
        row = DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="notifications.tasks.send_message",
            queue_name=queue,
            backend_name="default",
            run_after=run_after or get_date_max(),
        )
        DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=timezone.now() - waited)

    enqueue("sms", waited=timedelta(minutes=5))
    enqueue("sms", waited=timedelta(seconds=1))
    # Deferred: waiting for its run_after, which passed 2 minutes ago.
    enqueue("email", waited=timedelta(hours=1), run_after=timezone.now() - timedelta(minutes=2))
    # Not due yet: not ready, not counted.
    enqueue("email", waited=timedelta(hours=1), run_after=timezone.now() + timedelta(hours=1))
    samples = scrape()
    assert samples[("hotline_task_queue_ready", (("queue", "sms"),))] == 2
    assert samples[("hotline_task_queue_ready", (("queue", "email"),))] == 1
    assert 300 <= samples[("hotline_task_queue_oldest_ready_seconds", (("queue", "sms"),))] < 330
    assert 120 <= samples[("hotline_task_queue_oldest_ready_seconds", (("queue", "email"),))] < 150


@pytest.mark.django_db
def test_it_reports_outbound_messages_by_status() -> None:
    for number, status in enumerate([DeliveryStatus.FAILED, DeliveryStatus.FAILED, DeliveryStatus.DELIVERED]):
        OutboundMessage.objects.create(
            channel=MessageChannel.SMS,
            to="+8613800000000",
            body="x",
            purpose="test",
            dedupe_key=f"k{number}",
            status=status,
        )
    samples = scrape()
    assert samples[("hotline_outbound_messages", (("channel", "sms"), ("status", "failed")))] == 2
    assert samples[("hotline_outbound_messages", (("channel", "sms"), ("status", "delivered")))] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_it_counts_open_websockets(users: dict[str, Any]) -> None:
    key = ("hotline_websocket_connections", ())
    before = (await sync_to_async(scrape)())[key]
    first = await connect_as(users["dispatcher"])
    second = await connect_as(users["officer"])
    assert (await sync_to_async(scrape)())[key] == before + 2
    await first.disconnect()
    assert (await sync_to_async(scrape)())[key] == before + 1
    await second.disconnect()
    assert (await sync_to_async(scrape)())[key] == before


SERVE_THREE_REQUESTS = """
import django
django.setup()
from django.test import Client
for _ in range(3):
    assert Client().get("/healthz").status_code == 200
"""


@pytest.mark.django_db
def test_with_a_shared_directory_one_scrape_adds_up_every_process(tmp_path: Path, settings: Any) -> None:
    """Two worker processes (as gunicorn runs them) answer requests; a scrape of a third sees both."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", SERVE_THREE_REQUESTS], env=env, check=True, timeout=120)
    settings.PROMETHEUS_MULTIPROC_DIR = str(tmp_path)
    CaseFactory(channel=Channel.VOICE)

    samples = samples_of(exposition().decode())

    key = ("hotline_http_requests_total", (("method", "GET"), ("route", "healthz"), ("status", "200")))
    assert samples[key] == 6
    assert samples[("hotline_cases_created_total", (("channel", "voice"),))] == 1  # the database figures too
