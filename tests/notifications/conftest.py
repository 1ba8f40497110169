from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections


@pytest.fixture(scope="session", autouse=True)
def _release_the_test_database(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Consumers reach the database from asgiref's executor threads, whose connections outlive
    the tests; on PostgreSQL they would keep pytest-django from dropping the test database."""
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
