"""``manage.py open311_client_create "City 311 app"``: issue an Open311 api_key (shown once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hotline.services.open311 import open311_client_create


class Command(BaseCommand):
    help = "Create an Open311 client and print its api_key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        client, api_key = open311_client_create(name=options["name"])
        self.stdout.write(f"Open311 client #{client.pk} {client.name}: api_key={api_key}")
        self.stdout.write("Keep the key now; only its hash is stored.")
