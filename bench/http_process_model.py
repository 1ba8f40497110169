#!/usr/bin/env python
"""Which process model serves the staff API fastest? Measure it, don't guess.

Starts the real application against PostgreSQL under each candidate server, drives the
staff-API case list (a DRF list with filters, pagination and token auth: the page staff
reload most) with 10 concurrent keep-alive clients, and reports req/s, p50 and p99.

    .venv/bin/python bench/http_process_model.py            # all models, 10 s each
    .venv/bin/python bench/http_process_model.py --seconds 20 --models daphne-1,gunicorn-sync-2

It creates (and reuses) its own database (``--database-url``, default ``bench_http``), loads the
demo directory and 50 cases, and writes a "Process model" section into bench/README.md
(``--no-readme`` to skip). The load generator is ``wrk`` when installed (one thread, like
../shared/ANCHORS.md), otherwise a bounded loop of Python threads with http.client.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The staff case list (DRF list, filters, pagination: what staff reload most) and a small
# directory list, which shows the cost of the server and middleware more than of the view.
ENDPOINTS = {"case list": "/api/v1/cases/?limit=20", "town list": "/api/v1/towns/"}
SECTION = "## Process model"

# name -> (description, command). {port} is filled in; every model serves the same settings.
MODELS: dict[str, tuple[str, list[str]]] = {
    "daphne-1": (
        "daphne, 1 process (ASGI; what `make run` uses)",
        [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", "{port}", "config.asgi:application"],
    ),
    "uvicorn-2": (
        "uvicorn, 2 worker processes (ASGI)",
        [
            str(BIN / "uvicorn"),
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--workers",
            "2",
            "--no-access-log",
            "--log-level",
            "warning",
        ],
    ),
    "gunicorn-sync-2": (
        "gunicorn, 2 sync workers (WSGI)",
        [str(BIN / "gunicorn"), "config.wsgi:application", "-b", "127.0.0.1:{port}", "-w", "2"],
    ),
    "gunicorn-gthread-2x4": (
        "gunicorn, 2 workers × 4 threads (WSGI)",
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "-b",
            "127.0.0.1:{port}",
            "-w",
            "2",
            "-k",
            "gthread",
            "--threads",
            "4",
        ],
    ),
    "gunicorn-sync-4": (
        "gunicorn, 4 sync workers (WSGI)",
        [str(BIN / "gunicorn"), "config.wsgi:application", "-b", "127.0.0.1:{port}", "-w", "4"],
    ),
}


@dataclass
class Result:
    model: str
    endpoint: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    client: str
    cpu_ms_per_request: float


def server_env(database_url: str, redis_url: str) -> dict[str, str]:
    """Production settings, minus the HTTPS redirect (loopback has no TLS terminator)."""
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
        "PYTHONPATH": str(ROOT),
    }


def ensure_database(database_url: str) -> None:
    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres", query="").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


SETUP = """
from rest_framework.authtoken.models import Token
from django.contrib.auth import get_user_model
from cases import services
from cases.models import Case, Channel
from directory.models import Enterprise
user = get_user_model().objects.get(username="dispatcher")
enterprises = list(Enterprise.objects.all()[:50])
for i in range(50 - Case.objects.count()):
    reporter = services.reporter_create(name="Bench", phone=f"+86138{i:08d}")
    services.case_create(channel=Channel.WEB, reporter=reporter, description="bench case",
                         enterprise=enterprises[i % len(enterprises)])
print(Token.objects.get_or_create(user=user)[0].key)
"""


def prepare(env: dict[str, str]) -> str:
    """Migrate, load demo data and cases; return the dispatcher's API token."""
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    out = subprocess.run([*manage, "shell", "-c", SETUP], env=env, check=True, cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


_TICKS = os.sysconf("SC_CLK_TCK")


def session_cpu_seconds(session_id: int) -> float:
    """User + system CPU of every process in the server's session (master and workers).

    On a machine shared with other work, wall-clock throughput swings with the neighbours'
    load; the CPU a server spends per request does not, so it is the steadier figure.
    """
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        # After "pid (comm)": state ppid pgrp session ... utime(12) stime(13) cutime(14) cstime(15)
        if int(fields[3]) == session_id:
            total += int(fields[11]) + int(fields[12])
    return total / _TICKS


def command_cpu_seconds(command: str) -> float:
    """User + system CPU of every process whose command name is ``command`` (``postgres``: the
    server and all its backends), for the share of a request spent outside the server's session."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        if name == command:
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / _TICKS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(port: int, token: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    path = ENDPOINTS["case list"]
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers={"Authorization": f"Token {token}"})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
            raise RuntimeError(f"server answered {status} to {path}")
        except (ConnectionRefusedError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not come up within {timeout} s")


def python_load(port: int, path: str, token: str, seconds: float, concurrency: int) -> tuple[float, list[float], int]:
    """``concurrency`` threads, each with one keep-alive connection, until the time is up."""
    stop_at = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency

    def client(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Authorization": f"Token {token}"}
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            latencies[slot].append(time.perf_counter() - started)
            errors[slot] += not ok
        conn.close()

    threads = [threading.Thread(target=client, args=(slot,)) for slot in range(concurrency)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    flat = sorted(latency for per_thread in latencies for latency in per_thread)
    return len(flat) / elapsed, flat, sum(errors)


def measure_python(
    port: int, path: str, token: str, seconds: float, concurrency: int
) -> tuple[float, float, float, int]:
    rate, flat, errors = python_load(port, path, token, seconds, concurrency)
    cuts = statistics.quantiles(flat, n=100)
    return rate, cuts[49] * 1000, cuts[98] * 1000, errors


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def measure_wrk(port: int, path: str, token: str, seconds: float, concurrency: int) -> tuple[float, float, float, int]:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{concurrency}",
            f"-d{int(seconds)}s",
            "--latency",
            "-H",
            f"Authorization: Token {token}",
            f"http://127.0.0.1:{port}{path}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    percentiles = {
        m[1]: float(m[2]) * _UNIT_MS[m[3]] for m in re.finditer(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)", out, re.M)
    }
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx[1]) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return rate, percentiles["50"], percentiles["99"], errors


def run_model(
    model: str, *, env: dict[str, str], token: str, seconds: float, concurrency: int, client: str
) -> list[Result]:
    port = free_port()
    command = [part.format(port=port) for part in MODELS[model][1]]
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        wait_until_serving(port, token)
        measure = measure_wrk if client == "wrk" else measure_python
        results = []
        for endpoint, path in ENDPOINTS.items():
            measure(port, path, token, 2, concurrency)  # warm-up: imports, pool connections, worker start
            cpu_before = session_cpu_seconds(server.pid)
            rate, p50, p99, errors = measure(port, path, token, seconds, concurrency)
            cpu_ms = (session_cpu_seconds(server.pid) - cpu_before) * 1000 / max(rate * seconds, 1)
            results.append(Result(model, endpoint, rate, p50, p99, errors, client, cpu_ms))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    return results


def machine() -> str:
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = subprocess.run(["psql", "--version"], check=False, capture_output=True, text=True).stdout.strip() or "psql ?"
    return (
        f"{os.cpu_count()} cores, {mem_gib:.0f} GiB, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, {pg}"
    )


def medians(results: list[Result]) -> list[Result]:
    """One row per server and endpoint, in first-seen order: median figures, errors summed."""
    groups: dict[tuple[str, str], list[Result]] = {}
    for result in results:
        groups.setdefault((result.model, result.endpoint), []).append(result)
    return [
        Result(
            model,
            endpoint,
            statistics.median(r.requests_per_second for r in group),
            statistics.median(r.p50_ms for r in group),
            statistics.median(r.p99_ms for r in group),
            sum(r.errors for r in group),
            group[0].client,
            statistics.median(r.cpu_ms_per_request for r in group),
        )
        for (model, endpoint), group in groups.items()
    ]


def section(results: list[Result], *, seconds: float, concurrency: int, rounds: int, load: tuple[float, float]) -> str:
    endpoints = ", ".join(f"{name} `GET {path}`" for name, path in ENDPOINTS.items())
    lines = [
        SECTION,
        "",
        f"`bench/http_process_model.py` — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}.",
        f"{endpoints}; as the dispatcher (token auth, 50 cases), PostgreSQL through Django's pool,",
        f"production settings (DEBUG off). {concurrency} concurrent keep-alive clients, {seconds:g} s per figure after",
        f"a 2 s warm-up, load from `{results[0].client}` on the same machine; median of {rounds} interleaved rounds.",
        f"Load average before/after: {load[0]:.1f}/{load[1]:.1f} (the machine is shared; compare ratios, not",
        "absolute figures). Ratio: against the first server for the same endpoint, measured in the same run.",
        "Server CPU ms/request: user+system CPU of the server's processes divided by the requests served; it",
        "barely moves with the neighbours' load, so capacity ≈ cores × 1000 / that figure.",
        "",
        "| server | endpoint | req/s | p50 ms | p99 ms | errors | ratio | server CPU ms/request |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    anchors: dict[str, float] = {}
    for result in results:
        anchor = anchors.setdefault(result.endpoint, result.requests_per_second)
        lines.append(
            f"| {MODELS[result.model][0]} | {result.endpoint} | {result.requests_per_second:,.0f} | "
            f"{result.p50_ms:.1f} | {result.p99_ms:.1f} | {result.errors} | "
            f"{result.requests_per_second / anchor:.1f}× | {result.cpu_ms_per_request:.1f} |"
        )
    lines += ["", "Chosen production model and the reasons: docs/deployment.md.", ""]
    return "\n".join(lines)


def write_readme(path: Path, text: str) -> None:
    """Replace only this benchmark's section; other sections belong to other benchmarks."""
    current = path.read_text() if path.exists() else "# Benchmarks\n\nFigures measured on this project's machines.\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.M | re.S)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text + "\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_http?pool_max=10")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="repeat all servers this often, interleaved")
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma separated, from {', '.join(MODELS)}")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--readme", type=Path, default=ROOT / "bench" / "README.md")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()

    models = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = [name for name in models if name not in MODELS]
    if unknown:
        parser.error(f"unknown model(s): {', '.join(unknown)}")
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")

    env = server_env(args.database_url, args.redis_url)
    ensure_database(args.database_url)
    token = prepare(env)
    results = []
    load_before = os.getloadavg()[0]
    # Rounds interleave the servers, so a burst of other work on a shared machine does not
    # land on one server only; the table shows each figure's median over the rounds.
    for round_number in range(1, args.rounds + 1):
        for model in models:
            print(f"-- round {round_number}: {MODELS[model][0]}", flush=True)
            for result in run_model(
                model, env=env, token=token, seconds=args.seconds, concurrency=args.concurrency, client=client
            ):
                print(
                    f"   {result.endpoint}: {result.requests_per_second:,.0f} req/s, p50 {result.p50_ms:.1f} ms, "
                    f"p99 {result.p99_ms:.1f} ms, errors {result.errors}, {result.cpu_ms_per_request:.1f} CPU ms/req",
                    flush=True,
                )
                results.append(result)
    load = (load_before, os.getloadavg()[0])
    text = section(medians(results), seconds=args.seconds, concurrency=args.concurrency, rounds=args.rounds, load=load)
    print("\n" + text)
    if not args.no_readme:
        write_readme(args.readme, text)


if __name__ == "__main__":
    main()
