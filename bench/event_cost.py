#!/usr/bin/env python
"""In-process cost of one SMS intake request and one staff transition: wall and CPU time, SQL statements.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench REDIS_URL=redis://127.0.0.1:6379/1 \\
        .venv/bin/python bench/event_cost.py --requests 200

Runs the real application with production settings (sandbox Twilio, Redis channel layer) through
Django's test client in this process, so no server, load generator or network hop is measured:
- ``sms``: ``POST /hotline/twilio/sms/``, signed, each a first message from a new number;
- ``accept``: a dispatcher's ``POST /api/v1/cases/<ref>/accept/`` on a received case.

Whatever the request runs, including its on-commit handlers, counts; work left to ``db_worker``
does not (it is listed as the task rows a request leaves). Run it at two commits to compare them;
the machine is shared, so read CPU ms beside the load average it prints.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "testserver",
        "FIELD_ENCRYPTION_KEYS": "YmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtMDA=",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "LOG_JSON": "0",
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": "",
        "HOTLINE_RATE_LIMITS": "mailbox_address=100000000/3600,sms_number=100000000/3600",
    }
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from cases.models import Case, State  # noqa: E402
from directory.models import Membership, Role, Town  # noqa: E402

SMS_PATH = "/hotline/twilio/sms/"


def prepare() -> None:
    call_command("migrate", "--no-input", verbosity=0)
    if not Town.objects.exists():
        call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115


def sms_request(client: Client, run: str, i: int) -> int:
    sid = f"SM{run}{i:012d}"
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": f"+86137{int(run, 16) % 1000:03d}{i:05d}",
        "To": settings.TWILIO_SMS_NUMBER,
        "Body": f"桂城 某五金厂冲床无防护罩，第{i}号举报",
        "NumMedia": "0",
    }
    signature = RequestValidator(settings.TWILIO_SANDBOX_AUTH_TOKEN).compute_signature(
        f"http://testserver{SMS_PATH}", params
    )
    return client.post(SMS_PATH, params, HTTP_X_TWILIO_SIGNATURE=signature).status_code


def measure(name: str, count: int, one: Callable[[int], int]) -> None:
    one(count)  # warm-up (an index no measured call uses): imports, caches, the pool
    walls, cpus, queries = [], [], []
    tasks_before = DBTaskResult.objects.count()
    for i in range(count):
        with CaptureQueriesContext(connection) as captured:
            wall, cpu = time.perf_counter(), time.process_time()
            status = one(i)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        assert status == 200, f"{name}: HTTP {status}"
        queries.append(len(captured))
    rows = (DBTaskResult.objects.count() - tasks_before) / count
    print(
        f"{name:8} n={count}  wall ms p50 {statistics.median(walls):6.1f} mean {statistics.fmean(walls):6.1f}"
        f"  CPU ms p50 {statistics.median(cpus):6.1f}  SQL statements p50 {statistics.median(queries):.0f}"
        f"  task rows left per request {rows:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    count = parser.parse_args().requests
    prepare()
    print(f"{ROOT.name}: load average {os.getloadavg()[0]:.1f}")
    run = secrets.token_hex(4)
    client = Client()
    measure("sms", count, lambda i: sms_request(client, run, i))

    # What the worker left (figures, texts; in newer code the cases themselves) is done before the next step.
    call_command("db_worker", batch=True, no_startup_delay=True, queue_name="*", verbosity=0)
    user = Membership.objects.filter(role=Role.DISPATCHER).select_related("user").first()
    assert user is not None, "no dispatcher: load_demo first"
    staff = Client(HTTP_AUTHORIZATION="Token " + Token.objects.get_or_create(user=user.user)[0].key)
    received = list(Case.objects.filter(state=State.RECEIVED).values_list("reference", flat=True)[: count + 1])
    assert len(received) > count, "not enough received cases to accept"
    measure(
        "accept",
        count,
        lambda i: staff.post(f"/api/v1/cases/{received[i]}/accept/", {}, content_type="application/json").status_code,
    )


if __name__ == "__main__":
    main()
