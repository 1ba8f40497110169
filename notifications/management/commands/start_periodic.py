"""``manage.py start_periodic``: start (or mend) the deadline watch chain; idempotent, run on deploy."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from notifications.tasks import deadline_watch_start


class Command(BaseCommand):
    help = "Enqueue the periodic deadline watch (a second start does not double it)."

    def handle(self, *args: Any, **options: Any) -> None:
        deadline_watch_start()
        self.stdout.write("Deadline watch enqueued; a db_worker runs it.")
