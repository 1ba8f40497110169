"""``manage.py start_periodic``: start (or mend) the periodic task chains; idempotent, run on deploy."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from notifications.tasks import periodic_start


class Command(BaseCommand):
    help = "Enqueue the periodic deadline watch and task reaper (a second start does not double them)."

    def handle(self, *args: Any, **options: Any) -> None:
        periodic_start()
        self.stdout.write("Deadline watch and task reaper enqueued; a db_worker runs them.")
