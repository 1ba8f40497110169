"""The database cursor of the intake's doors: statements planned once per connection on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import connection
from django.db.backends.utils import CursorWrapper


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A Django cursor whose repeated statements PostgreSQL parses and plans once per connection.

    Django's PostgreSQL cursors bind parameters on the client, so the server parses and plans every
    statement anew: ~0.35 ms of PostgreSQL's CPU for each SMS door's INSERT with its join lookup
    (bench/README.md, "Intake"). This one binds on the server, so psycopg prepares the statement once
    it ran ``config.env.PREPARE_THRESHOLD`` times on a connection, and the pool keeps connections. It is still
    Django's wrapper: execute wrappers and the conversion of driver errors into ``django.db`` errors
    apply. Elsewhere (the embedded SQLite) it is Django's own cursor.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    with CursorWrapper(psycopg.Cursor(connection.connection), connection) as cursor:
        yield cursor
