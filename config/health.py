"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work) for load balancers.

Ready means: the database answers, Redis answers when configured, and the task queue moves —
no task has waited more than a minute to be picked up (a dead or missing ``db_worker`` shows up
as a growing oldest-ready-task age; an idle queue is fine).
"""

from __future__ import annotations

from datetime import timedelta

import redis
from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks_db.models import DBTaskResult, get_date_max

TASK_WAIT_LIMIT = timedelta(minutes=1)


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def _redis() -> bool | None:
    if not settings.REDIS_URL:
        return None
    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def _task_queue() -> bool:
    waiting_since = timezone.now() - TASK_WAIT_LIMIT
    # A task is due from its run_after, or from when it was enqueued if it had none (stored as "max").
    overdue = Q(run_after__lt=waiting_since) | Q(run_after=get_date_max(), enqueued_at__lt=waiting_since)
    return not DBTaskResult.objects.ready().filter(overdue).exists()


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    database = _database()
    checks = {"database": database, "redis": _redis(), "task_queue": _task_queue() if database else False}
    ready = all(value is not False for value in checks.values())
    return JsonResponse({"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503)
