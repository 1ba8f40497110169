#!/usr/bin/env python
"""Intake throughput: signed SMS webhooks and web-mailbox reports vs a minimal Django view, same run.

    .venv/bin/python bench/intake.py                      # 1, 10, 50 clients, 10 s each; ~3 minutes
    .venv/bin/python bench/intake.py --seconds 20 --levels 10

Both servers run under gunicorn with 2 sync workers on PostgreSQL — for the hotline that is the
compose file's ``intake`` service, which serves the doors in production (docs/deployment.md);
``--hotline-threads 4`` runs it as the ``web`` service instead (2 workers × 4 threads):
- **hotline**: the real application with ``config.settings.production`` (sandbox Twilio, Redis),
  answering ``POST /hotline/twilio/sms/`` (every request a new MessageSid from a new number, signed
  with the twilio library's validator) and ``POST /api/v1/reports/`` (JSON, no files).
- **minimal**: this file served as a tiny Django app that parses the same form (or JSON), inserts
  one row and answers with TwiML (or JSON) — the anchor of ../shared/ANCHORS.md, measured here.

Load comes from ``wrk`` (one thread) replaying pre-signed requests; the figures go into the
"Intake" section of bench/README.md (``--no-readme`` to skip).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django
import psycopg
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from twilio.request_validator import RequestValidator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from http_process_model import (  # bench/ is on the path: run as a script or with --chdir bench
    command_cpu_seconds,
    session_cpu_seconds,
)

from config.env import database_from_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECTION = "## Intake"
NOTES = "### Reading the intake figures"
SMS_PATH = "/hotline/twilio/sms/"
MAILBOX_PATH = "/api/v1/reports/"
MINIMAL_SMS_PATH = "/sms/"
MINIMAL_JSON_PATH = "/json/"
SANDBOX_TOKEN = "sandbox-auth-token"  # noqa: S105 - the public sandbox default, not a secret
MAILBOX_BODY = {
    "category": "fire_safety",
    "description": "仓库消防通道被货物堵死，夜间有人住宿",
    "town": "guicheng",
    "address": "桂城某路8号",
    "password": "bench-password",
    "anonymous": True,
}

# --- the minimal anchor app (imported by gunicorn as ``intake:minimal_app``) ------------------------


def _minimal_sms(request: Any) -> Any:

    form = request.POST
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_minimal_intake (sid, sender, body) VALUES (%s, %s, %s)",
            [form.get("MessageSid", ""), form.get("From", ""), form.get("Body", "")],
        )
    reply = '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Received</Message></Response>'
    return HttpResponse(reply, content_type="text/xml")


def _minimal_json(request: Any) -> Any:

    report = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_minimal_intake (sid, sender, body) VALUES (%s, %s, %s)",
            [secrets.token_hex(8), report.get("category", ""), report.get("description", "")],
        )
    return JsonResponse({"receipt": f"{secrets.randbelow(10**16):016d}"}, status=201)


def _minimal_application() -> Any:

    settings.configure(
        DEBUG=False,
        SECRET_KEY="minimal-" + "x" * 40,
        ALLOWED_HOSTS=["127.0.0.1"],
        INSTALLED_APPS=[],
        MIDDLEWARE=[],
        ROOT_URLCONF=__name__,
        USE_TZ=True,
        DATABASES={"default": database_from_url(os.environ["DATABASE_URL"], ROOT)},
    )
    django.setup()
    globals()["urlpatterns"] = [path("sms/", csrf_exempt(_minimal_sms)), path("json/", csrf_exempt(_minimal_json))]
    return get_wsgi_application()


if os.environ.get("INTAKE_MINIMAL") == "1":
    minimal_app = _minimal_application()

# --- the benchmark ----------------------------------------------------------------------------------


@dataclass
class Run:
    target: str
    clients: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    cpu_ms: float = 0.0  # server CPU (user + system, all gunicorn processes) per request
    db_ms: float = 0.0  # PostgreSQL's CPU (the server and its backends) per request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FIELD_ENCRYPTION_KEYS": "YmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtYmVuY2gtMDA=",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": "",
        # One client address sends everything here; the flood guards would (rightly) stop it.
        "HOTLINE_RATE_LIMITS": "mailbox_address=100000000/3600,sms_number=100000000/3600",
        "PYTHONPATH": str(ROOT),
    }


def prepare(env: dict[str, str], database_url: str) -> None:

    parsed = urllib.parse.urlparse(database_url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres", query="").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    with psycopg.connect(parsed._replace(query="").geturl(), autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_minimal_intake (id bigserial PRIMARY KEY, sid text, "
            "sender text, body text, created_at timestamptz DEFAULT now())"
        )


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.2)
    stop(server)
    raise RuntimeError(f"server on port {port} did not come up")


def stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def sms_requests(port: int, count: int, run_id: str) -> list[tuple[str, str]]:
    """Signed form bodies, each a first message from its own number (a new case every time)."""

    validator = RequestValidator(SANDBOX_TOKEN)
    url = f"http://127.0.0.1:{port}{SMS_PATH}"
    signed = []
    for i in range(count):
        sid = f"SM{run_id}{i:010d}"
        params = {
            "MessageSid": sid,
            "SmsSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": f"+86139{i % 10**8:08d}",
            "To": "+861069000000",
            "Body": f"桂城 某五金厂冲床无防护罩，第{i}号举报",
            "NumMedia": "0",
            "FromCity": "FOSHAN",
        }
        signed.append((validator.compute_signature(url, params), urllib.parse.urlencode(params)))
    return signed


LUA = """
local requests = {}
local next_index = 0
init = function(args)
  for line in io.lines(args[1]) do
    local signature, body = line:match("([^\\t]*)\\t(.*)")
    requests[#requests + 1] = wrk.format("POST", args[2], {["Content-Type"] = args[3],
      ["X-Twilio-Signature"] = signature}, body)
  end
end
request = function()
  next_index = next_index % #requests + 1
  return requests[next_index]
end
"""


def wrk(
    *, port: int, path: str, lines: list[tuple[str, str]], content_type: str, clients: int, seconds: int, target: str
) -> Run:
    with tempfile.TemporaryDirectory() as scratch:
        bodies, script = Path(scratch) / "requests.tsv", Path(scratch) / "replay.lua"
        bodies.write_text("\n".join(f"{sig}\t{body}" for sig, body in lines) + "\n")
        script.write_text(LUA)
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{clients}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "30s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}{path}",
                "--",
                str(bodies),
                path,
                content_type,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    return Run(
        target=target,
        clients=clients,
        rps=float(_grab(r"Requests/sec:\s+([\d.]+)", out)),
        p50_ms=_ms(_grab(r"\s50%\s+([\d.]+\w+)", out)),
        p99_ms=_ms(_grab(r"\s99%\s+([\d.]+\w+)", out)),
        requests=int(_grab(r"(\d+) requests in", out)),
        errors=int(_grab(r"Non-2xx or 3xx responses:\s+(\d+)", out, "0"))
        + sum(
            int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", _grab(r"Socket errors:(.*)", out, ""))
        ),
    )


def _grab(pattern: str, text: str, default: str | None = None) -> str:
    found = re.search(pattern, text)
    if found:
        return found.group(1)
    if default is not None:
        return default
    raise RuntimeError(f"wrk output lacks {pattern!r}:\n{text}")


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


@dataclass
class WorkerCost:
    reports: int  # cases built
    cpu_ms: float  # per case built


# What a drain does for each report it builds (hotline.tasks), for the oldest waiting reports.
_BUILD = """
from hotline import tasks
from hotline.models import InboundReport
waiting = InboundReport.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True)
for inbound_id in list(waiting[:{count}]):
    tasks.inbound_register.call(inbound_id)
"""


def worker_cost(env: dict[str, str], database_url: str, count: int) -> WorkerCost:
    """What the intake moved out of the request: build the ``count`` oldest reports the runs left, in
    a worker-like process, and count its CPU per case built (its start-up too, ~1 s, so give it a few
    hundred). One drain task would build all of them; the rest stay waiting in the bench database."""
    url = urllib.parse.urlparse(database_url)._replace(query="").geturl()
    built = "SELECT count(*) FROM hotline_inboundreport WHERE status = 'built'"
    with psycopg.connect(url, autocommit=True) as conn:
        before = conn.execute(built).fetchone()[0]  # type: ignore[index]
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", _BUILD.format(count=count)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, _, usage = os.wait4(worker.pid, 0)
    with psycopg.connect(url, autocommit=True) as conn:
        reports = conn.execute(built).fetchone()[0] - before  # type: ignore[index]
    cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000
    return WorkerCost(reports=reports, cpu_ms=cpu_ms / max(reports, 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--levels", default="1,10,50")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_intake?pool_max=2")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--worker-reports", type=int, default=600, help="reports built after the load (0: skip)")
    parser.add_argument(
        "--hotline-threads", type=int, default=1, help="threads per hotline worker (1: sync, as intake; 4: as web)"
    )
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    env = environment(args.database_url, args.redis_url)
    prepare(env, args.database_url)

    hotline_port, minimal_port = free_port(), free_port()
    gunicorn = [str(BIN / "gunicorn"), "-w", "2", "-b"]
    threads = args.hotline_threads
    hotline = start(
        [*gunicorn, f"127.0.0.1:{hotline_port}", *worker_class(threads), "config.wsgi:application"],
        {**env, "DATABASE_URL": env["DATABASE_URL"].replace("pool_max=2", f"pool_max={threads + 1}")},
        hotline_port,
    )
    minimal = start(
        [*gunicorn, f"127.0.0.1:{minimal_port}", "--chdir", str(ROOT / "bench"), "intake:minimal_app"],
        {**env, "INTAKE_MINIMAL": "1"},
        minimal_port,
    )
    mailbox = [("", json.dumps(MAILBOX_BODY, ensure_ascii=False))]
    form, as_json = "application/x-www-form-urlencoded", "application/json"
    runs: list[Run] = []
    load_before = os.getloadavg()
    try:
        for clients in [0, *levels]:  # 0: an unrecorded warm-up (imports, connection pools, caches)
            # Enough distinct MessageSids that no request is a redelivery (those are cheaper).
            signed = sms_requests(hotline_port, max(args.seconds, 2) * 2500, secrets.token_hex(4))
            seconds = args.seconds if clients else 2
            plan = [
                (minimal, minimal_port, MINIMAL_SMS_PATH, signed, form, "minimal form view"),
                (hotline, hotline_port, SMS_PATH, signed, form, "SMS webhook"),
                (minimal, minimal_port, MINIMAL_JSON_PATH, mailbox, as_json, "minimal JSON view"),
                (hotline, hotline_port, MAILBOX_PATH, mailbox, as_json, "web mailbox (JSON)"),
            ]
            for server, port, target_path, lines, content_type, target in plan:
                cpu_before, db_before = session_cpu_seconds(server.pid), command_cpu_seconds("postgres")
                run = wrk(
                    port=port,
                    path=target_path,
                    lines=lines,
                    content_type=content_type,
                    clients=max(clients, 1),
                    seconds=seconds,
                    target=target,
                )
                run.cpu_ms = (session_cpu_seconds(server.pid) - cpu_before) * 1000 / max(run.requests, 1)
                run.db_ms = (command_cpu_seconds("postgres") - db_before) * 1000 / max(run.requests, 1)
                if clients:
                    runs.append(run)
                    print(
                        f"{run.clients:>3} clients  {run.target:<20} {run.rps:8.1f} req/s  "
                        f"p50 {run.p50_ms:7.1f} ms  p99 {run.p99_ms:7.1f} ms  errors {run.errors}/{run.requests}  "
                        f"{run.cpu_ms:5.2f} CPU ms/req  PostgreSQL {run.db_ms:4.2f} ms/req",
                        flush=True,
                    )
    finally:
        stop(hotline)
        stop(minimal)
    load = (load_before[0], os.getloadavg()[0])
    print(f"load average (1 min) before/after: {load[0]:.1f}/{load[1]:.1f}", flush=True)
    cost = worker_cost(env, args.database_url, args.worker_reports) if args.worker_reports else None
    if cost is not None:
        print(f"worker: {cost.reports} cases built, {cost.cpu_ms:.1f} CPU ms per case", flush=True)
    if not args.no_readme:
        write_readme(runs, args.seconds, load, cost, threads)


def worker_class(threads: int) -> list[str]:
    """gunicorn's options for ``threads`` per worker: sync workers for one (the intake service), gthread above."""
    return ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []


def write_readme(
    runs: list[Run], seconds: int, load: tuple[float, float], cost: WorkerCost | None, threads: int
) -> None:
    servers = (
        f"gunicorn: the hotline on 2 workers × {threads} threads (the compose file's web service), the minimal "
        "view on 2 sync workers"
        if threads > 1
        else "gunicorn 2 sync workers each (the hotline as the compose file's intake service)"
    )
    anchors = {("SMS webhook", r.clients): r for r in runs if r.target == "minimal form view"}
    anchors |= {("web mailbox (JSON)", r.clients): r for r in runs if r.target == "minimal JSON view"}
    rows = [
        "| clients | endpoint | req/s | p50 ms | p99 ms | non-2xx | ratio to minimal view | server CPU ms/req "
        "| PostgreSQL CPU ms/req |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        anchor = anchors.get((run.target, run.clients))
        ratio = f"{run.rps / anchor.rps:.0%}" if anchor and anchor.rps else ""
        rows.append(
            f"| {run.clients} | {run.target} | {run.rps:.0f} | {run.p50_ms:.1f} | {run.p99_ms:.1f} | "
            f"{run.errors}/{run.requests} | {ratio} | {run.cpu_ms:.2f} | {run.db_ms:.2f} |"
        )
    machine = (
        f"{os.cpu_count()} cores, {platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    )
    body = "\n".join(
        [
            SECTION,
            "",
            f"`bench/intake.py`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine}; {servers}, "
            f"PostgreSQL 15 (pool_max=2 per worker), Redis 7, wrk 1 thread, {seconds} s per row. The machine was "
            f"shared with other work while measuring (load average {load[0]:.1f} before, {load[1]:.1f} after, "
            "2 cores): compare rows of the same run, not with other machines. Server CPU ms/req: user + system "
            "CPU of the server's processes per request served; it moves far less with the neighbours' load. "
            "PostgreSQL CPU ms/req: the same for PostgreSQL's processes; on two cores throughput follows the "
            "sum of both (with Redis and wrk, ~0.1–0.2 ms).",
            "",
            *rows,
            "",
            *(
                [
                    f"Task worker afterwards (the oldest {cost.reports} reports the runs left, built as a drain "
                    f"builds them): {cost.cpu_ms:.1f} CPU ms per case built, start-up included.",
                    "",
                ]
                if cost
                else []
            ),
        ]
    )
    readme = ROOT / "bench" / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    if SECTION in text:
        start_at = text.index(SECTION)
        end_at = text.find("\n## ", start_at + len(SECTION))
        old = text[start_at : end_at if end_at != -1 else len(text)]
        if NOTES in old:  # the written reading of the figures survives a re-run
            body += "\n" + old[old.index(NOTES) :].rstrip("\n") + "\n"
        text = text[:start_at] + body + ("\n" + text[end_at + 1 :] if end_at != -1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + body
    readme.write_text(text)


if __name__ == "__main__":
    main()
