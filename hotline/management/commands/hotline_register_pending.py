"""``manage.py hotline_register_pending``: queue the build of every report still waiting for its case.

    manage.py hotline_register_pending                 # waiting for more than 5 minutes
    manage.py hotline_register_pending --minutes 0     # all of them

A report stored at the door keeps ``pending`` until its case is built; a build that failed all its
tries (``attempts``, ``last_error`` on the row) is queued again here once the cause is fixed. The
build is idempotent, so queuing a row twice builds it once. Safe to run from cron.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from hotline import tasks
from hotline.models import InboundReport


class Command(BaseCommand):
    help = "Queue the build of every report still waiting for its case."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--minutes", type=int, default=5, help="only rows waiting longer than this")

    def handle(self, *args: Any, minutes: int, **options: Any) -> None:
        before = timezone.now() - timedelta(minutes=minutes)
        waiting = InboundReport.objects.filter(status=InboundReport.Status.PENDING, created_at__lte=before)
        count = 0
        for inbound_id in waiting.order_by("created_at").values_list("id", flat=True).iterator():
            tasks.inbound_register.enqueue(inbound_id)
            count += 1
        self.stdout.write(f"{count} waiting report(s) queued for registration.")
