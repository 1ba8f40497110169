"""Seed the working-day table from chinesecalendar and make audit tables append-only on PostgreSQL."""

from django.db import migrations

APPEND_ONLY_TABLES = ("cases_caseevent", "cases_identityaccess")


def seed_calendar(apps, schema_editor):
    from cases.calendar_seed import seed

    seed(apps.get_model("cases", "CalendarDay"), apps.get_model("cases", "CalendarYear"))


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        """
        CREATE OR REPLACE FUNCTION hotline_refuse_change() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
        END;
        $$ LANGUAGE plpgsql;
        """,
        params=None,  # no placeholders: '%' is plpgsql's own
    )
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION hotline_refuse_change();",
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [
        migrations.RunPython(seed_calendar, migrations.RunPython.noop),
        migrations.RunPython(append_only, migrations.RunPython.noop),
    ]
