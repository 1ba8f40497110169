"""The production shape of docs/deployment.md as real processes, for the fault tests and the load bench.

gunicorn (WSGI, the compose file's ``web`` command) serves HTTP, uvicorn (``live``, one process
per replica) holds the websockets, ``task_worker`` processes run the tasks; all on
``config.settings.production`` with a fake Twilio account. The fault tests give it a private
PostgreSQL cluster and a private Redis (they stop and restart both, so never the machine's
shared ones); the load bench gives it its own database on the shared services.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psycopg
import requests
import yaml
from twilio.request_validator import RequestValidator

from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
PUBLIC_HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], Any], *, seconds: float, what: str, every: float = 0.2) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(every)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _as_postgres_user() -> list[str]:
    """initdb and postgres refuse to run as root: drop to the ``postgres`` account when root.
    ``runuser`` lives in /usr/sbin, which a bare environment's PATH (CI, fresh-check) may lack."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if runuser is None:
        raise RuntimeError("runuser (util-linux) is needed to start PostgreSQL as root")
    return [runuser, "-u", "postgres", "--"]


def _postgres_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (/usr/lib/postgresql/*/bin/{name})")
    return str(found[-1])


@dataclass
class PrivatePostgres:
    """A throwaway PostgreSQL cluster in ``directory`` on its own port, trust auth, socket in the directory."""

    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str, **query: int) -> str:
        suffix = "?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else ""
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}{suffix}"

    def _pg_ctl(self, *args: str) -> None:
        _run([*_as_postgres_user(), _postgres_bin("pg_ctl"), "-D", str(self.data), "-w", "-t", "60", *args])

    def create(self) -> PrivatePostgres:
        self.directory.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(self.directory, *_postgres_ids())
        _run(
            [
                *_as_postgres_user(),
                *(_postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres"),
                *("--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"),
            ]
        )
        # A test cluster: durability is not what these tests measure, speed on a shared machine is.
        settings = (
            f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.directory}'\n"
            "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n"
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(settings)
        return self

    def start(self) -> None:
        self._pg_ctl("-l", str(self.directory / "server.log"), "start")

    def stop(self) -> None:
        """Fast shutdown: open transactions are rolled back, every session is cut."""
        self._pg_ctl("-m", "fast", "stop")

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stdout}{done.stderr}")


def _postgres_ids() -> tuple[int, int]:
    entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid


@dataclass
class PrivateRedis:
    """A redis-server of its own on a free port, nothing persisted (as docker-compose.yml runs it)."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), seconds=10, what="redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def production_env(
    *, database_url: str, redis_url: str, twilio_base: str, web_port: int, **extra: str
) -> dict[str, str]:
    """The production settings, with loopback hosts and a fake Twilio account (tests/fakes/twilio_api.py)."""
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "PYTHONPATH": str(ROOT),
        "SECRET_KEY": "resilience-" + "k" * 50,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FIELD_ENCRYPTION_KEYS": "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0=",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECURE_SSL_REDIRECT": "0",
        "PUBLIC_BASE_URL": f"http://{PUBLIC_HOST}:{web_port}",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_API_BASE": twilio_base,
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def compose_command(service: str, port: int = 0) -> list[str]:
    """A service's command from docker-compose.yml, run with this interpreter and bound to loopback."""
    command = [str(part) for part in yaml.safe_load(COMPOSE.read_text())["services"][service]["command"]]
    local = {"0.0.0.0:8000": f"127.0.0.1:{port}", "0.0.0.0": "127.0.0.1", "8001": str(port)}  # noqa: S104
    runner = ["manage.py"] if command[0] == "python" else ["-m", command[0]]
    rest = command[2:] if command[0] == "python" else command[1:]
    return [sys.executable, *runner, *(local.get(part, part) for part in rest)]


@dataclass
class Process:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> Process:
        if self._log is not None:
            self._log.close()
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self._log, stderr=self._log)
        if self.port is not None:
            port = self.port

            def up() -> bool:
                if self.popen is not None and self.popen.poll() is not None:
                    raise RuntimeError(f"{self.name} exited: {self.log_tail()}")
                return port_open(port)

            wait_until(up, seconds=60, what=f"{self.name} on port {port}")
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer or a lost machine would end it: no clean-up runs."""
        assert self.popen is not None
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        if self._log is not None:
            self._log.close()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


@dataclass
class Stack:
    """web (gunicorn) + M live (uvicorn) + N db_workers, all sharing one database and one Redis; with
    ``intake``, also the compose file's intake service, which the proxy sends the doors to."""

    env: dict[str, str]
    web_port: int
    logs: Path
    workers: int = 1
    lives: int = 1
    intake: bool = False
    processes: dict[str, Process] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def http(self) -> str:
        return f"http://{PUBLIC_HOST}:{self.web_port}"

    @property
    def doors(self) -> str:
        """Where the proxy sends Twilio's webhooks and the public report API (sign them for ``http``)."""
        process = self.processes.get("intake")
        return f"http://{PUBLIC_HOST}:{process.port}" if process else self.http

    @property
    def ws(self) -> str:
        return self.ws_urls[0]

    @property
    def ws_urls(self) -> list[str]:
        """One URL per live process, in start order."""
        return [
            f"ws://127.0.0.1:{process.port}/ws/live/"
            for name, process in self.processes.items()
            if name.startswith("live")
        ]

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def prepare(self, personas: tuple[str, ...]) -> None:
        """Migrate, load the demo district and users; an API token per persona in ``tokens``."""
        self.manage("migrate", "--no-input")
        self.manage("load_demo")
        for username in personas:
            printed = self.manage("drf_create_token", username)
            match = re.search(r"token (\w+) for", printed)
            assert match, printed
            self.tokens[username] = match.group(1)

    def _process(self, name: str, command: list[str], port: int | None) -> Process:
        process = Process(name, command, self.env, self.logs / f"{name}.log", port)
        self.processes[name] = process
        return process.start()

    def start_worker(self, name: str, **env: str) -> Process:
        process = Process(name, compose_command("worker"), {**self.env, **env}, self.logs / f"{name}.log")
        self.processes[name] = process
        return process.start()

    def start(self) -> Stack:
        self._process("web", compose_command("web", self.web_port), self.web_port)
        if self.intake:
            intake_port = free_port()
            self._process("intake", compose_command("intake", intake_port), intake_port)
        for number in range(1, self.lives + 1):
            live_port = free_port()
            self._process("live" if number == 1 else f"live-{number}", compose_command("live", live_port), live_port)
        for number in range(1, self.workers + 1):
            self.start_worker(f"worker-{number}")
        self.manage("start_periodic")  # once per deploy (docs/deployment.md): deadline watch, task reaper
        return self

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()

    def logs_tail(self) -> str:
        return "\n".join(f"--- {name}\n{process.log_tail(1500)}" for name, process in self.processes.items())


def signed_post(
    stack_url: str, path: str, form: dict[str, str], *, auth_token: str, timeout: float = 30, **query: str
) -> requests.Response:
    """POST a Twilio webhook signed as Twilio signs it (URL + sorted form, HMAC-SHA1 with the auth token)."""
    url = stack_url + path + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")
    signature = RequestValidator(auth_token).compute_signature(url, form)
    return requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=timeout)


def sql(database_url: str, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(database_url.split("?", maxsplit=1)[0], autocommit=True) as connection:
        return list(connection.execute(query, params).fetchall())


def tasks_drained(database_url: str) -> bool:
    """No task is waiting or running but the periodic chains (deferred retries count as waiting), and
    no report waits for the workers' watch to enqueue its drain (the doors enqueue nothing)."""
    [(open_tasks, waiting_reports)] = sql(
        database_url,
        "SELECT (SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
        " AND task_path NOT IN ('notifications.tasks.deadline_watch', 'notifications.tasks.task_reaper')),"
        " (SELECT count(*) FROM hotline_inboundreport WHERE status = 'pending' AND attempts = 0)",
    )
    return bool(open_tasks == 0 and waiting_reports == 0)


def case_with_text(database_url: str, marker: str) -> str | None:
    """The reference of the one case whose description carries ``marker``; None while there is none."""
    rows = sql(database_url, "SELECT reference FROM cases_case WHERE description LIKE %s", f"%{marker}%")
    assert len(rows) <= 1, f"{len(rows)} cases carry {marker}"
    return str(rows[0][0]) if rows else None
