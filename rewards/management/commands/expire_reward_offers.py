from typing import Any

from django.core.management.base import BaseCommand

from rewards.services import rewards_expire_due


class Command(BaseCommand):
    help = "Expire reward offers whose claim window has closed (run daily, e.g. from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"expired {rewards_expire_due()} offer(s)")
