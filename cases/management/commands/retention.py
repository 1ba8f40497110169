"""``manage.py retention [--dry-run]``: erase reporters' identities and original evidence past retention.

Run it daily (cron or a scheduled job); it is idempotent. The rules are in ``cases/retention.py``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cases import retention


class Command(BaseCommand):
    help = "Erase the identities of reporters and the original evidence of cases that ended RETENTION_YEARS ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Say what would be erased; change nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = retention.plan()
        summary = (
            f"{len(plan.cases)} cases ended before {plan.cutoff:%Y-%m-%d} without a reward; "
            f"{len(plan.reporters)} reporter identities and {len(plan.evidence)} original evidence files"
        )
        if options["dry_run"]:
            self.stdout.write(f"{summary} would be erased (dry run: nothing changed).")
            return
        changed = retention.apply(plan)
        self.stdout.write(f"{summary} erased; {changed} cases recorded the erasure.")
