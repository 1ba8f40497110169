#!/usr/bin/env python
"""A burst of mixed traffic against the production-shaped service; every request and reply is logged.

    .venv/bin/python bench/load.py --duration 300 --rate 20          # the issue's 5 minutes
    .venv/bin/python bench/load.py --duration 60 --rate 20 --sockets 500
    .venv/bin/python bench/reconcile.py var/load/<run>                # then prove nothing was lost

Set-up, all on this machine: the service runs as docs/deployment.md deploys it, on
``config.settings.production`` — the compose file's web (gunicorn, 2 workers × 4 threads) for the
staff calls and its intake (gunicorn, 2 sync workers) for the webhooks, mailbox and lookups, as the
proxy routes them, its two live replicas for websockets (uvicorn, one process each), two
``task_worker`` processes — on
PostgreSQL (``DATABASE_URL``, default the ``hf`` database, dropped and created afresh) and a
private ``redis-server`` on a free port, with a fake Twilio API (tests/fakes/twilio_api.py) in
this process that records what is sent.

The generator is open-loop: requests start at ``--rate`` per second whatever the replies do,
drawn from a fixed mix — signed SMS and voicemail webhooks, web mailbox reports with a small
photo, receipt lookups, and the dispatcher's case list, case detail and accept calls — while
``--sockets`` websockets (a bureau supervisor's, half on each live process, as the proxy's
``least_conn`` spreads them) follow the bureau stream and reconnect with ``last_event_id`` if
dropped. Every request goes to ``requests.jsonl``, every socket's event ids to
``sockets.jsonl``, the fake Twilio's log to ``twilio.jsonl`` and the figures to
``summary.json`` in the run directory. Workers are left to drain before it stops.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import itertools
import json
import os
import platform
import random
import re
import secrets
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import psycopg  # noqa: E402
import websockets  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from tests.fakes.twilio_api import AUTH_TOKEN, FakeTwilio, start_fake_twilio  # noqa: E402
from tests.resilience.client import receipt_in, small_photo  # noqa: E402
from tests.resilience.stack import (  # noqa: E402
    PrivateRedis,
    Stack,
    free_port,
    production_env,
    tasks_drained,
    wait_until,
)

MIX = {"sms": 25, "voice": 10, "mailbox": 20, "lookup": 15, "list": 10, "detail": 10, "accept": 10}
INTAKE = {"sms", "voice", "mailbox"}
HANDSHAKES = 10
PASSWORD = "load-test-1"  # noqa: S105  # the reporters' password of this run, not a secret
# Floods are what a load test makes on purpose: lift the per-number and per-address guards.
GUARDS = ("sms_number", "mailbox_address", "lookup_address", "lookup_receipt", "voice_number")
NO_FLOOD_GUARDS = ",".join(f"{name}=1000000/60" for name in GUARDS)
_SAY = re.compile(r"<Say[^>]*>([^<]*)</Say>")


@dataclass
class Logged:
    kind: str
    started: float
    ms: float
    status: int
    marker: str = ""
    checksum: str = ""
    photo_sha256: str = ""
    receipt: str = ""
    sid: str = ""
    recording_url: str = ""
    error: str = ""


@dataclass
class Generator:
    stack: Stack
    fake: FakeTwilio
    session: aiohttp.ClientSession
    run_id: str
    log: list[Logged] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def token(self) -> str:
        return self.stack.tokens["dispatcher"]

    async def one(self, kind: str) -> None:
        number = next(self.counter)
        entry = Logged(kind=kind, started=time.time(), ms=0.0, status=0)
        begun = time.perf_counter()
        try:
            await getattr(self, kind)(entry, number)
        except (aiohttp.ClientError, TimeoutError) as error:
            entry.error = type(error).__name__
        entry.ms = (time.perf_counter() - begun) * 1000
        self.log.append(entry)

    async def _signed(self, path: str, form: dict[str, str], query: str = "") -> tuple[int, str]:
        signature = RequestValidator(AUTH_TOKEN).compute_signature(self.stack.http + path + query, form)
        async with self.session.post(
            self.stack.doors + path + query, data=form, headers={"X-Twilio-Signature": signature}
        ) as response:
            return response.status, await response.text()

    async def sms(self, entry: Logged, number: int) -> None:
        entry.marker = f"{self.run_id}-sms-{number:07d}"
        body = f"工地塔吊无人看管，存在倒塌风险 {entry.marker}"
        entry.checksum, entry.sid = hashlib.sha256(body.encode()).hexdigest(), f"SM{self.run_id}{number:024d}"
        form = {"MessageSid": entry.sid, "From": f"+86138{number:08d}", "To": "+861069000000", "Body": body}
        entry.status, reply = await self._signed("/hotline/twilio/sms/", form)
        entry.receipt = receipt_in(reply) or ""

    async def voice(self, entry: Logged, number: int) -> None:
        entry.sid = f"CA{self.run_id}{number:024d}"
        path = f"/2010-04-01/Accounts/AC/Recordings/RE{self.run_id}{number:024d}"
        entry.recording_url = self.fake.serve_media(path, b"ID3" + number.to_bytes(8, "big") * 64, "audio/mpeg")
        form = {
            "CallSid": entry.sid,
            "From": f"+86137{number:08d}",
            "To": "+861069000000",
            "RecordingUrl": entry.recording_url,
            "RecordingSid": "RE" + entry.sid[2:],
            "RecordingDuration": "15",
        }
        entry.status, reply = await self._signed("/hotline/twilio/voice/recorded/", form)
        spoken = [re.sub(r"\D", "", text) for text in _SAY.findall(reply) if re.fullmatch(r"[\d,\s]+", text)]
        entry.receipt = next((digits for digits in spoken if len(digits) == 16), "")

    async def mailbox(self, entry: Logged, number: int) -> None:
        entry.marker = f"{self.run_id}-web-{number:07d}"
        description = f"小作坊把危化品堆在居民楼下 {entry.marker}"
        photo = small_photo(number)
        entry.checksum = hashlib.sha256(description.encode()).hexdigest()
        entry.photo_sha256 = hashlib.sha256(photo).hexdigest()
        form = aiohttp.FormData()
        form.add_field("description", description)
        form.add_field("password", PASSWORD)
        form.add_field("files", photo, filename="photo.jpg", content_type="image/jpeg")
        async with self.session.post(f"{self.stack.doors}/api/v1/reports/", data=form) as response:
            entry.status = response.status
            if response.status == 201:
                entry.receipt = str((await response.json())["receipt"])
                self.receipts.append(entry.receipt)

    async def lookup(self, entry: Logged, number: int) -> None:
        if not self.receipts:  # nothing to look up yet: file a report instead
            entry.kind = "mailbox"
            return await self.mailbox(entry, number)
        entry.receipt = random.choice(self.receipts)
        payload = {"receipt": entry.receipt, "password": PASSWORD}
        async with self.session.post(f"{self.stack.doors}/api/v1/reports/lookup/", json=payload) as response:
            entry.status = response.status
            await response.read()
        return None

    async def _staff(self, method: str, path: str) -> tuple[int, Any]:
        headers = {"Authorization": f"Token {self.token}"}
        async with self.session.request(method, self.stack.http + path, headers=headers, json={}) as response:
            return response.status, (await response.json()) if response.status < 300 else await response.text()

    async def list(self, entry: Logged, number: int) -> None:
        entry.status, page = await self._staff("GET", "/api/v1/cases/?state=received&limit=20")
        if entry.status == 200:
            fresh = [case["reference"] for case in page["results"]]
            self.references = (fresh + self.references)[:200]
            self.received = fresh

    async def detail(self, entry: Logged, number: int) -> None:
        if not self.references:
            entry.kind = "list"
            return await self.list(entry, number)
        entry.status, _ = await self._staff("GET", f"/api/v1/cases/{random.choice(self.references)}/")
        return None

    async def accept(self, entry: Logged, number: int) -> None:
        if not self.received:
            entry.kind = "list"
            return await self.list(entry, number)
        reference = self.received.pop()
        entry.marker = reference
        entry.status, _ = await self._staff("POST", f"/api/v1/cases/{reference}/accept/")
        return None


@dataclass
class Listener:
    """One websocket on the bureau stream; keeps every event id it saw and reconnects from the last."""

    url: str
    origin: str
    seen: list[int] = field(default_factory=list)
    reconnects: int = 0
    subscribed: bool = False

    async def follow(self, ticket: Any, since: int, stop: asyncio.Event, handshakes: asyncio.Semaphore) -> None:
        last = since
        while not stop.is_set():
            try:
                # Few handshakes at a time: a server may drop a socket its app has not accepted in time,
                # and a crowd of them at once on a loaded machine would only reconnect in a storm.
                async with handshakes:
                    url = f"{self.url}?ticket={await ticket()}"
                    # No client pings, as browsers send none: on a loaded machine a late pong drops the socket.
                    socket = await websockets.connect(url, origin=self.origin, ping_interval=None)  # type: ignore[arg-type]
                    await socket.recv()  # hello
                async with socket:
                    await socket.send(json.dumps({"type": "subscribe", "stream": "bureau", "last_event_id": last}))
                    while not stop.is_set():
                        try:
                            frame = json.loads(await asyncio.wait_for(socket.recv(), 1))
                        except TimeoutError:
                            continue
                        if frame.get("type") == "event":
                            self.seen.append(int(frame["id"]))
                            last = max(last, int(frame["id"]))
                        elif frame.get("type") == "subscribed":
                            self.subscribed = True
                        elif frame.get("type") == "replay_truncated":
                            break
            except (OSError, TimeoutError, aiohttp.ClientError, websockets.WebSocketException):
                self.reconnects += 1
                await asyncio.sleep(min(30, 2**self.reconnects) * random.uniform(0.5, 1.5))  # back off, as browsers do


async def sockets_caught_up(listeners: list[Listener], final: int, since: int, deadline: float = 120) -> float | None:
    """Seconds after the workers drained until every socket has the table's last event (None: not
    within ``deadline``) — how far the live servers trail at the end, instead of a fixed wait."""
    started = time.perf_counter()
    while time.perf_counter() - started < deadline:
        if all(max(listener.seen, default=since) >= final for listener in listeners):
            return round(time.perf_counter() - started, 2)
        await asyncio.sleep(0.2)
    return None


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))], 1) if ordered else 0.0


def peak_memory_mb(pid: int) -> dict[str, float]:
    """VmHWM (peak resident set) of a process and its children, in MB."""
    peaks = {}
    for candidate in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{candidate}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks[str(candidate)] = round(int(match.group(1)) / 1024, 1)
    return peaks


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def fresh_database(url: str) -> None:
    name = url.rsplit("/", 1)[1].split("?", maxsplit=1)[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def last_event_id(database_url: str) -> int:
    with psycopg.connect(database_url.split("?", maxsplit=1)[0]) as connection:
        row = connection.execute("SELECT coalesce(max(id), 0) FROM cases_caseevent").fetchone()
    return int(row[0]) if row else 0


async def drive(generator: Generator, *, rate: float, duration: float, concurrency: int) -> None:
    kinds, weights = list(MIX), list(MIX.values())
    limit = asyncio.Semaphore(concurrency)
    pending: set[asyncio.Task[None]] = set()

    async def bounded(kind: str) -> None:
        async with limit:
            await generator.one(kind)

    start = time.perf_counter()
    for tick in itertools.count():
        due = start + tick / rate
        if due - start >= duration:
            break
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        task = asyncio.create_task(bounded(random.choices(kinds, weights)[0]))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)


async def run(args: argparse.Namespace, stack: Stack, fake: FakeTwilio, out: Path) -> dict[str, Any]:
    timeout = aiohttp.ClientTimeout(total=60)
    # A connection per request, as Twilio and browsers behind NATs mostly do: no keep-alive races.
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        generator = Generator(stack, fake, session, run_id=secrets.token_hex(3))

        async def ticket() -> str:
            headers = {"Authorization": f"Token {stack.tokens['bureau-supervisor']}"}
            async with session.post(f"{stack.http}/api/v1/live/ticket/", headers=headers, json={}) as response:
                response.raise_for_status()
                return str((await response.json())["ticket"])

        since = last_event_id(stack.env["DATABASE_URL"])
        urls = stack.ws_urls
        listeners = [Listener(urls[i % len(urls)], stack.http) for i in range(args.sockets)]
        stop = asyncio.Event()
        handshakes = asyncio.Semaphore(HANDSHAKES)
        following = [asyncio.create_task(listener.follow(ticket, since, stop, handshakes)) for listener in listeners]
        await asyncio.to_thread(
            wait_until, lambda: all(listener.subscribed for listener in listeners), seconds=300, what="the sockets"
        )
        began = time.time()
        await drive(generator, rate=args.rate, duration=args.duration, concurrency=args.concurrency)
        elapsed = time.time() - began
        database_url = stack.env["DATABASE_URL"]
        await asyncio.to_thread(wait_until, lambda: tasks_drained(database_url), seconds=600, what="drain", every=1)
        caught_up = await sockets_caught_up(listeners, last_event_id(database_url), since)
        stop.set()
        await asyncio.gather(*following)

    with (out / "requests.jsonl").open("w") as log:
        log.writelines(json.dumps(asdict(entry), ensure_ascii=False) + "\n" for entry in generator.log)
    with (out / "sockets.jsonl").open("w") as log:
        for index, listener in enumerate(listeners):
            seen = {"socket": index, "since": since, "reconnects": listener.reconnects, "ids": listener.seen}
            log.write(json.dumps(seen) + "\n")
    with (out / "twilio.jsonl").open("w") as log:
        log.writelines(json.dumps(asdict(recorded), ensure_ascii=False) + "\n" for recorded in list(fake.requests))
    return {**summarise(generator.log, elapsed, args), "sockets_caught_up_s": caught_up}


def summarise(log: list[Logged], elapsed: float, args: argparse.Namespace) -> dict[str, Any]:
    def figures(entries: list[Logged]) -> dict[str, Any]:
        answered = [e.ms for e in entries if not e.error]
        return {
            "requests": len(entries),
            "errors": sum(1 for e in entries if e.error or e.status >= 500 or e.status == 0),
            "p50_ms": percentile(answered, 0.5),
            "p99_ms": percentile(answered, 0.99),
        }

    per_kind = {kind: figures([e for e in log if e.kind == kind]) for kind in MIX}
    statuses: dict[str, int] = {}
    for entry in log:
        statuses[str(entry.status)] = statuses.get(str(entry.status), 0) + 1
    return {
        "rate_asked": args.rate,
        "duration_s": round(elapsed, 1),
        "sustained_rps": round(len(log) / elapsed, 1),
        "sockets": args.sockets,
        "all": figures(log),
        "per_kind": per_kind,
        "statuses": statuses,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=300, help="seconds of traffic (default 300)")
    parser.add_argument("--rate", type=float, default=20, help="requests started per second (default 20)")
    parser.add_argument("--sockets", type=int, default=500, help="websockets on the bureau stream (default 500)")
    parser.add_argument("--concurrency", type=int, default=256, help="requests in flight at most (default 256)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "load", help="where the run directory goes")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hf")
    # Redis pub/sub channels are shared by every database of one server: on the machine's shared
    # Redis other people's events would reach these sockets (and theirs these). A private server.
    private_redis = PrivateRedis()
    private_redis.start()
    redis_url = private_redis.url
    out = args.out / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True)
    fresh_database(database_url)
    fake = start_fake_twilio()
    media = Path(tempfile.mkdtemp(prefix="hotline-load-media-"))
    web_port = free_port()
    env = production_env(
        database_url=database_url + "?pool_max=5",
        redis_url=redis_url,
        twilio_base=fake.base_url,
        web_port=web_port,
        MEDIA_ROOT=str(media),
        HOTLINE_RATE_LIMITS=NO_FLOOD_GUARDS,
    )
    stack = Stack(env=env, web_port=web_port, logs=out, workers=2, lives=2, intake=True)
    stack.prepare(("dispatcher", "bureau-supervisor"))
    stack.start()
    load_before = os.getloadavg()
    try:
        summary = asyncio.run(run(args, stack, fake, out))
        summary["peak_memory_mb"] = {name: peak_memory_mb(process.pid) for name, process in stack.processes.items()}
    finally:
        stack.stop()
        private_redis.stop()
        fake.server.shutdown()
        shutil.rmtree(media, ignore_errors=True)
    summary.update(
        {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
            "database_url": database_url,
            "env": {key: stack.env[key] for key in ("DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL")},
        }
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    print(f"\nRun directory: {out}\nReconcile:     .venv/bin/python bench/reconcile.py {out}")


if __name__ == "__main__":
    main()
