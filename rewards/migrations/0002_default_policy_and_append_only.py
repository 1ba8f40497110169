"""Seed the national default policy (2018 rules) and make the ledger and claims append-only on PostgreSQL."""

from datetime import datetime, timezone

from django.db import migrations

APPEND_ONLY_TABLES = ("rewards_ledgerentry", "rewards_rewardclaim")


def seed_policy(apps, schema_editor):
    RewardPolicy = apps.get_model("rewards", "RewardPolicy")
    if not RewardPolicy.objects.exists():
        RewardPolicy.objects.create(
            version=1,
            effective_from=datetime(2018, 1, 1, tzinfo=timezone.utc),
            note="National rules for rewarding work-safety reports (2018).",
        )


def append_only(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # hotline_refuse_change() is created by cases 0002.
    for table in APPEND_ONLY_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION hotline_refuse_change();"
        )


class Migration(migrations.Migration):
    dependencies = [("rewards", "0001_initial"), ("cases", "0002_calendar_seed_and_append_only")]

    operations = [
        migrations.RunPython(seed_policy, migrations.RunPython.noop),
        migrations.RunPython(append_only, migrations.RunPython.noop),
    ]
