"""Load balancers ask /healthz and /readyz; every response carries the security headers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from notifications.tasks import deadline_watch
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_healthz_answers_while_the_process_lives() -> None:
    response = Client().get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readyz_is_ready_with_a_database_and_a_moving_queue(settings: Any) -> None:
    body = Client().get("/readyz").json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] is True
    assert body["checks"]["redis"] is (True if settings.REDIS_URL else None)


def test_readyz_says_not_ready_when_a_task_waits_over_a_minute(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}
    deadline_watch.enqueue(1)  # nobody runs it in this test: no worker
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=2))
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["task_queue"] is False


@pytest.mark.parametrize("path", ["/report/", "/accounts/login/", "/api/v1/cases/", "/healthz"])
def test_every_response_carries_the_security_headers(path: str) -> None:
    headers = Client().get(path).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"


def test_the_api_docs_need_no_inline_script(api_as: Callable[[str | None], APIClient]) -> None:
    CaseFactory()
    docs = api_as("dispatcher").get("/api/docs/").content.decode()
    assert "<script>" not in docs
