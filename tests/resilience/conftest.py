"""One production-shaped service per test session, on a PostgreSQL cluster and a Redis of its own.

The tests stop and restart PostgreSQL and Redis and fill the media disk, so nothing here touches
the machine's shared services (other people's tests and CI use them): ``initdb`` makes a cluster
in a temporary directory, ``redis-server`` runs on a free port, and media lives on a small
tmpfs. Each test leaves the service as it found it: every process up, both services running.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.twilio_api import FakeTwilio, start_fake_twilio
from tests.resilience.client import Hotline
from tests.resilience.stack import PrivatePostgres, PrivateRedis, Stack, free_port, production_env

PERSONAS = ("dispatcher", "bureau-supervisor")
MEDIA_DISK = "4m"
# Short enough that the fault tests see retries and reaping within seconds, not minutes.
FAST_RECOVERY = {
    "NOTIFY_RETRY_BASE_SECONDS": "1",
    "NOTIFY_MAX_ATTEMPTS": "3",
    "TASK_LEASE_SECONDS": "4",
}


@pytest.fixture(scope="session")
def private_postgres() -> Iterator[PrivatePostgres]:
    # Not under pytest's temporary root: that is private to root, and the cluster runs as postgres.
    cluster = PrivatePostgres(Path(tempfile.mkdtemp(prefix="hotline-postgres-"))).create()
    cluster.start()
    yield cluster
    cluster.stop()
    shutil.rmtree(cluster.directory, ignore_errors=True)


@pytest.fixture(scope="session")
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def media_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """MEDIA_ROOT on a 4 MB tmpfs, so a test can fill it (mounting needs root, as in CI)."""
    directory = tmp_path_factory.mktemp("media")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={MEDIA_DISK}", "tmpfs", str(directory)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.fail(f"a small tmpfs for media needs root: {mounted.stderr.decode().strip()}")
    yield directory
    subprocess.run(["umount", "-l", str(directory)], check=False)


@pytest.fixture(scope="session")
def twilio_api() -> Iterator[FakeTwilio]:
    fake = start_fake_twilio()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture(scope="session")
def database_url(private_postgres: PrivatePostgres) -> str:
    return private_postgres.create_database("hotline")


@pytest.fixture(scope="session")
def stack(
    database_url: str,
    private_redis: PrivateRedis,
    twilio_api: FakeTwilio,
    media_disk: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    web_port = free_port()
    env = production_env(
        database_url=database_url + "?pool_max=5",
        redis_url=private_redis.url,
        twilio_base=twilio_api.base_url,
        web_port=web_port,
        MEDIA_ROOT=str(media_disk),
        **FAST_RECOVERY,
    )
    service = Stack(env=env, web_port=web_port, logs=tmp_path_factory.mktemp("logs"))
    service.prepare(PERSONAS)
    service.start()
    yield service
    service.stop()


@pytest.fixture
def hotline(stack: Stack) -> Iterator[Hotline]:
    yield Hotline.at(stack.http)
    # A test that failed half-way may leave a process dead: start it again for the next test.
    for process in stack.processes.values():
        if not process.alive():
            process.start()


@pytest.fixture(autouse=True)
def _show_server_logs_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and "stack" in request.fixturenames:
        print(request.getfixturevalue("stack").logs_tail())  # noqa: T201  # pytest shows it with the failure


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
