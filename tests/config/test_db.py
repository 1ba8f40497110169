"""``prepared_cursor``: the doors' statements are planned once per connection on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection

from config.db import prepared_cursor
from config.env import PREPARE_THRESHOLD
from hotline.services.sms import IncomingSms, sms_receive


def prepared_inserts() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall() if "INSERT INTO hotline_inboundreport" in statement]


@pytest.mark.django_db
def test_the_sms_doors_insert_is_prepared_once_on_postgresql_and_plain_elsewhere() -> None:
    for n in range(PREPARE_THRESHOLD + 2):
        sms_receive(IncomingSms(f"SM{n:032d}", f"+861390000{n:04d}", "脚手架没有护栏"))

    if connection.vendor == "postgresql":
        assert len(prepared_inserts()) == 1  # one statement (first messages), prepared once
    else:
        with prepared_cursor() as cursor:
            assert type(cursor.cursor) is type(connection.cursor().cursor)  # SQLite: Django's own cursor


@pytest.mark.django_db
def test_a_driver_error_comes_out_as_a_django_database_error() -> None:
    """What the Twilio webhooks catch to answer with an apology and a 500."""
    with pytest.raises(DatabaseError), prepared_cursor() as cursor:
        cursor.execute("INSERT INTO no_such_table VALUES (%s)", [1])
