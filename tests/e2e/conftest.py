"""Browser tests: Debian's Chromium driven by Playwright against a live daphne server.

Run them in their own pytest invocation (``make test-e2e``): sync Playwright keeps an event loop
in the test thread, which is why ORM calls in these tests need DJANGO_ALLOW_ASYNC_UNSAFE.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session", autouse=True)
def _release_the_test_database(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Pooled connections opened while the browser test ran would keep PostgreSQL from dropping
    the test database at the end of the session."""
    yield
    with django_db_blocker.unblock():
        for each in connections.all():
            close_pool = getattr(each, "close_pool", None)
            if close_pool is not None:
                close_pool()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            connection.close()
