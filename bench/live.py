#!/usr/bin/env python
"""Live fan-out: transition committed → event frame received, by 1, 100 and 1,000 websocket clients.

    .venv/bin/python bench/live.py                         # 1, 100, 1000 clients, 30 rounds each
    .venv/bin/python bench/live.py --clients 1,100 --rounds 50
    .venv/bin/python bench/live.py --server daphne --servers 1 --pin

Set-up, all on this machine, on ``config.settings.production``: PostgreSQL (``DATABASE_URL``,
default a ``notifications_bench`` database, created and migrated here) and a private
``redis-server`` on a free port with the channels-redis layer (pub/sub channels ignore the
database number, so on the shared Redis other runs' events would reach these sockets). The
server is the compose file's ``live`` command (``--server live``, the production tier) or
daphne (``--server daphne``, what ``make run`` serves), one process per port; ``--servers N``
starts N of them on consecutive ports (default 2, as compose runs two ``live`` replicas). The
clients are ``websockets`` connections in this process, spread evenly over the ports (as the
proxy's ``least_conn`` does), each subscribed to the bureau stream with a session cookie. Each
round accepts a fresh case through ``cases.services.case_accept`` in this process (as a worker
or another web process would): the clock starts in an on-commit callback registered before the
event's own, so it measures commit → Redis → server → socket → client. The anchor, measured in
the same run: a raw Redis PUBLISH → SUBSCRIBE round trip. ``--pin`` runs the servers on CPU 0
and this process (the clients) on CPU 1, so the clients' reading does not take the servers' core.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import gc
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.resilience.stack import PrivateRedis, compose_command, port_open, production_env, wait_until  # noqa: E402

REDIS = PrivateRedis()
REDIS.start()
atexit.register(REDIS.stop)
# The production settings, shared by this process and the server (the session cookie and the
# event both cross between them); nothing is texted (the bench's reporters have no phone).
os.environ.update(
    production_env(
        database_url=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/notifications_bench"),
        redis_url=REDIS.url,
        twilio_base="http://127.0.0.1:9",
        web_port=0,
        LOG_LEVEL="ERROR",  # the bench's cases are due in 2027, whose holidays are not known yet: a warning each
    )
)

import django  # noqa: E402
import psycopg  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402
import websockets  # noqa: E402
from websockets.typing import Origin  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402

from cases import services  # noqa: E402
from cases.models import Case, Channel, Reporter  # noqa: E402
from directory.models import Membership, Role  # noqa: E402
from notifications import streams  # noqa: E402

CONNECT_BATCH = 50


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?", maxsplit=1)[0]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def prepare() -> tuple[Any, str]:
    """Migrate; a bureau supervisor (session cookie for the sockets) and a dispatcher."""
    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    watcher, _ = users.get_or_create(username="bench-bureau")
    dispatcher, _ = users.get_or_create(username="bench-dispatcher")
    Membership.objects.get_or_create(user=watcher, role=Role.BUREAU_SUPERVISOR, town=None)
    Membership.objects.get_or_create(user=dispatcher, role=Role.DISPATCHER, town=None)
    client = Client()
    client.force_login(watcher)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return dispatcher, cookie


def new_case() -> Any:
    reporter = Reporter.objects.create(anonymous=True)  # no phone: nothing is texted
    return Case.objects.create(channel=Channel.WEB, category="fire_safety", description="bench", reporter=reporter)


PUBLISH_STARTS: list[float] = []


def _timed_groups_send(groups: list[str], message: dict[str, Any]) -> None:
    PUBLISH_STARTS.append(time.perf_counter())
    _groups_send(groups, message)


# Instrumentation: when the live publish starts, to split the latency into "handlers of other apps
# that run first" (commit → publish) and the fan-out itself (publish → socket).
_groups_send = streams.groups_send
streams.groups_send = _timed_groups_send


def accept_and_time(case: Any, dispatcher: Any) -> tuple[float, float]:
    committed: list[float] = []
    with transaction.atomic():
        transaction.on_commit(lambda: committed.append(time.perf_counter()))  # runs before the publish
        services.case_accept(case=case, by=dispatcher)
    return committed[0], PUBLISH_STARTS[-1]


async def redis_round_trips(url: str, rounds: int) -> list[float]:
    client = aioredis.from_url(url)
    pubsub = client.pubsub()
    await pubsub.subscribe("bench-live-anchor")
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await client.publish("bench-live-anchor", "x")
        while await pubsub.get_message(timeout=1) is None:
            pass
        samples.append((time.perf_counter() - started) * 1000)
    await pubsub.aclose()
    await client.aclose()
    return samples


async def connect(url: str, origin: str, cookie: str) -> Any:
    client = await websockets.connect(
        url, origin=Origin(origin), additional_headers={"Cookie": cookie}, open_timeout=30, max_queue=None
    )
    assert json.loads(await client.recv())["type"] == "hello"
    await client.send(json.dumps({"type": "subscribe", "stream": "bureau"}))
    assert json.loads(await client.recv())["type"] == "subscribed"
    return client


async def arrival(client: Any, reference: str) -> float:
    while True:
        if reference in await client.recv():  # the case's first event is its acceptance
            return time.perf_counter()


async def fan_out(ports: list[int], cookie: str, dispatcher: Any, clients: int, rounds: int) -> dict[str, Any]:
    """``clients`` sockets spread evenly over the servers on ``ports``."""
    sockets: list[Any] = []
    while len(sockets) < clients:
        batch = min(CONNECT_BATCH, clients - len(sockets))
        targets = [ports[(len(sockets) + i) % len(ports)] for i in range(batch)]
        sockets += await asyncio.gather(
            *(connect(f"ws://127.0.0.1:{port}/ws/live/", f"http://127.0.0.1:{port}", cookie) for port in targets)
        )
    per_process = sockets_per_process(ports)
    # 1,000 clients in one process are an artifact of the bench (they are 1,000 browsers): its
    # collector's full passes over them took ~100 ms, counted as every socket's delay. The servers
    # freeze their import-time heap the same way (config/asgi.py).
    gc.collect()
    gc.freeze()
    every, last, before_publish = [], [], []
    for _ in range(rounds + 2):  # two warm-up rounds
        case = await asyncio.to_thread(new_case)
        waiting = [asyncio.create_task(arrival(s, case.reference)) for s in sockets]
        committed, published = await asyncio.to_thread(accept_and_time, case, dispatcher)
        arrived = await asyncio.wait_for(asyncio.gather(*waiting), 30)
        latencies = [(t - committed) * 1000 for t in arrived]
        every.append(latencies)
        last.append(max(latencies))
        before_publish.append((published - committed) * 1000)
    await asyncio.gather(*(s.close() for s in sockets))
    gc.unfreeze()
    samples = [x for round_ in every[2:] for x in round_]
    return {
        "clients": clients,
        "handlers_p50": percentile(before_publish[2:], 0.5),
        "p50": percentile(samples, 0.5),
        "p99": percentile(samples, 0.99),
        "all_p50": percentile(last[2:], 0.5),
        "all_p99": percentile(last[2:], 0.99),
        "per_process": per_process,
    }


def sockets_per_process(ports: list[int]) -> list[int]:
    """How the sockets are spread over the server processes (``--workers`` share one listening port)."""
    listing = subprocess.run(
        ["ss", "-tnpH", "state", "established", "( " + " or ".join(f"sport = :{port}" for port in ports) + " )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(Counter(re.findall(r"pid=(\d+)", listing)).values(), reverse=True)


def start_command(port: int, kind: str) -> list[str]:
    if kind == "live":
        return compose_command("live", port)
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"]


def start_server(port: int, kind: str, cpus: set[int] | None) -> subprocess.Popen[bytes]:
    command = start_command(port, kind)
    (ROOT / "var").mkdir(exist_ok=True)
    with (ROOT / "var" / f"bench-live-server-{port}.log").open("wb") as log:  # the child keeps its own handle
        server = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, "LOG_LEVEL": "WARNING"},
            stdout=log,
            stderr=log,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,  # noqa: PLW1509  # no threads yet
        )
    try:
        wait_until(lambda: port_open(port), seconds=30, what=f"{kind} on port {port}")
    except AssertionError:
        server.kill()
        raise
    return server


async def run(args: argparse.Namespace, dispatcher: Any, cookie: str) -> dict[str, Any]:
    anchor = await redis_round_trips(os.environ["REDIS_URL"], 1000)
    rows = []
    for clients in args.clients:
        rows.append(await fan_out(args.ports, cookie, dispatcher, clients, args.rounds))
        print(rows[-1], flush=True)
    return {"redis_p50": percentile(anchor, 0.5), "redis_p99": percentile(anchor, 0.99), "fan_out": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 100, 1000])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--servers", type=int, default=2, help="server processes; clients are spread over them")
    parser.add_argument("--server", choices=["live", "daphne"], default="live")
    parser.add_argument("--pin", action="store_true", help="servers on CPU 0, the clients (this process) on CPU 1")
    args = parser.parse_args()
    args.ports = [args.port + i for i in range(args.servers)]
    ensure_database(os.environ["DATABASE_URL"])
    assert str(settings.CHANNEL_LAYERS["default"]["BACKEND"]).startswith("channels_redis"), "needs REDIS_URL"
    dispatcher, cookie = prepare()
    load_before = os.getloadavg()
    servers = [start_server(port, args.server, {0} if args.pin else None) for port in args.ports]
    if args.pin:
        os.sched_setaffinity(0, {1})
    try:
        results = asyncio.run(run(args, dispatcher, cookie))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)
    results["load_average_before"] = [round(x, 2) for x in load_before]
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    print(
        f"\n{args.servers} × {args.server} ({' '.join(start_command(args.port, args.server)[2:])}), layer {layer}, "
        f"{args.rounds} rounds, {'pinned' if args.pin else 'not pinned'}; load average before "
        f"{results['load_average_before']}, after {results['load_average_after']}"
    )
    print(f"Redis PUBLISH→SUBSCRIBE round trip: p50 {results['redis_p50']:.2f} ms, p99 {results['redis_p99']:.2f} ms")
    print(
        "| clients | p50 ms | p99 ms | last client p50 ms | last client p99 ms | p99 ÷ Redis p99 "
        "| other apps' handlers before the publish, p50 ms | sockets per server process |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for row in results["fan_out"]:
        ratio = row["p99"] / results["redis_p99"]
        print(
            f"| {row['clients']} | {row['p50']:.1f} | {row['p99']:.1f} | {row['all_p50']:.1f} | "
            f"{row['all_p99']:.1f} | {ratio:.0f}× | {row['handlers_p50']:.1f} | "
            f"{' + '.join(map(str, row['per_process']))} |"
        )
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "bench-live.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
