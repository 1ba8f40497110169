"""Time the bureau dashboard and the town inbox at ~1,000,000 cases on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dashboard \
        .venv/bin/python manage.py migrate
    DATABASE_URL=... DEBUG=1 .venv/bin/python manage.py seed_cases --count 1000000
    DATABASE_URL=... .venv/bin/python bench/dashboard.py [--requests 60]

Measures, in one run on the same database: server time of ``GET /dashboard/`` and
``GET /inbox/`` through Django's test client (view, templates and queries; no network), the
statistics reads alone, and the plain SQL ``GROUP BY`` over all cases that the pre-aggregates
replace (the anchor). It also checks that the pre-aggregated figures equal that GROUP BY.
Beside each wall time: the CPU time of this process per request (Django's share: view, templates,
driver; steadier than wall time on a shared machine) and the number of queries.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django_otp import DEVICE_ID_SESSION_KEY  # noqa: E402
from django_otp.plugins.otp_totp.models import TOTPDevice  # noqa: E402

from cases.models import Case  # noqa: E402
from cases.statistics import selectors as stats  # noqa: E402
from cases.statistics.models import TownDayFigure  # noqa: E402
from cases.views.dashboard import default_period  # noqa: E402
from directory.models import Membership, Role, Town  # noqa: E402

PLAIN_GROUP_BY = """
    SELECT town_id, state, date_trunc('month', created_at AT TIME ZONE 'Asia/Shanghai') AS month, count(*)
    FROM cases_case GROUP BY 1, 2, 3
"""


@dataclass
class Timing:
    wall: list[float]  # server time, ms
    cpu: list[float]  # CPU of this process, ms: view, templates, driver; not PostgreSQL's share
    queries: int


def timings(action: Callable[[], object], repeat: int) -> Timing:
    action()  # warm-up: caches, plans, the calendar
    wall, cpu = [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as queries:
        action()
    return Timing(wall=wall, cpu=cpu, queries=len(queries.captured_queries))


def row(label: str, timing: Timing, anchor: float | None) -> str:
    values = sorted(timing.wall)
    p95 = values[max(0, int(len(values) * 0.95) - 1)]
    ratio = f"{statistics.median(values) / anchor:.2f}" if anchor else ""
    return (
        f"| {label} | {len(values)} | {statistics.median(values):.1f} | {p95:.1f} | {max(values):.1f} | {ratio} "
        f"| {statistics.median(timing.cpu):.1f} | {timing.queries} |"
    )


def client_for(username: str, role: str, town: Town | None) -> Client:
    user, _ = get_user_model().objects.get_or_create(username=username)
    Membership.objects.get_or_create(user=user, role=role, town=town)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def get(client: Client, path: str) -> Callable[[], object]:
    def fetch() -> object:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.content

    return fetch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at PostgreSQL (e.g. the bench_dashboard database).")
    total = Case.objects.count()
    busiest = Case.objects.exclude(town=None).values("town").annotate(n=Count("pk")).order_by("-n").first()
    if not busiest:
        sys.exit("No cases: run `manage.py seed_cases --count 1000000` first.")
    town_id = busiest["town"]
    bureau = client_for("bench-bureau", Role.BUREAU_SUPERVISOR, None)
    officer = client_for("bench-officer", Role.TOWN_OFFICER, Town.objects.get(pk=town_id))
    period = default_period()

    def plain_sql() -> object:
        with connection.cursor() as cursor:
            cursor.execute(PLAIN_GROUP_BY)
            return cursor.fetchall()

    anchor = statistics.median(timings(plain_sql, 7).wall)
    rows = [
        ("plain SQL GROUP BY town, state, month over all cases (anchor)", timings(plain_sql, 7)),
        ("statistics reads: town figures, 12 months", timings(lambda: stats.town_figures(period), args.requests)),
        (
            "statistics reads: 3 monthly breakdowns, 12 months",
            timings(lambda: stats.monthly_breakdowns(["channel", "category", "industry"], period), args.requests),
        ),
        (
            "GET /dashboard/ (bureau supervisor, 12 months, all towns)",
            timings(get(bureau, "/dashboard/"), args.requests),
        ),
        ("GET /dashboard/?town=… (one town)", timings(get(bureau, f"/dashboard/?town={town_id}"), args.requests)),
        ("GET /inbox/ (officer of the busiest town, by deadline)", timings(get(officer, "/inbox/"), args.requests)),
        (
            "GET /inbox/?sort=-received&state=investigating",
            timings(get(officer, "/inbox/?sort=-received&state=investigating"), args.requests),
        ),
    ]

    grouped = dict(
        ((t or 0, s), n) for t, s, n in Case.objects.order_by().values_list("town_id", "state").annotate(n=Count("pk"))
    )
    aggregated: dict[tuple[int, str], int] = {}
    for town, state, cases in TownDayFigure.objects.values_list("town_id", "state", "cases"):
        aggregated[(town, state)] = aggregated.get((town, state), 0) + cases
    exact = grouped == {key: n for key, n in aggregated.items() if n}

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
        cursor.execute("SELECT count(*) FROM cases_stat_town_day")
        town_day_rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM cases_stat_breakdown_day")
        breakdown_rows = cursor.fetchone()[0]
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {version}; {total:,} cases; busiest town {town_id}; "
        f"pre-aggregates: {town_day_rows:,} town-day rows, {breakdown_rows:,} breakdown rows; "
        f"figures equal the plain GROUP BY: {'yes' if exact else 'NO'}; load average {os.getloadavg()[0]:.1f}."
    )
    print()
    print("| what | runs | p50 ms | p95 ms | max ms | p50 / anchor | CPU p50 ms (Django) | queries |")
    print("|---|---|---|---|---|---|---|---|")
    for label, values in rows:
        print(row(label, values, anchor))


if __name__ == "__main__":
    main()
