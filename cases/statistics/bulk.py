"""Fast bulk inserts for the seed command and the statistics rebuild.

On PostgreSQL rows go through ``COPY … FROM STDIN`` (psycopg 3 adapts dates, decimals and None);
elsewhere (the embedded SQLite) through ``bulk_create``. Both take plain tuples in the order of
``columns`` so callers never build a million model instances just to insert them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (tuples of values for ``columns``, given by attname) into ``model``'s table."""
    rows = list(rows)
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        by_attname = {field.attname: field for field in model._meta.concrete_fields}
        names = ", ".join(connection.ops.quote_name(by_attname[name].column or name) for name in columns)
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    model._default_manager.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows])
    return len(rows)
