from typing import Any

from django.core.management.base import BaseCommand

from rewards.services import rewards_propose_missing


class Command(BaseCommand):
    help = "Propose rewards for closed, substantiated cases that have none (a missed after-commit handler)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"proposed {rewards_propose_missing()} reward(s)")
