"""``manage.py load_demo``: the Nanhai demo directory and one user per role (passwords printed once)."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from directory.demo import load_directory
from directory.models import TOWN_ROLES, Membership, Role, Town

DEMO_TOWN = "shishan"


class Command(BaseCommand):
    help = "Load the demo district and one user per role; safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        load_directory()
        created = self.create_users()
        if created:
            self.stdout.write("Demo users (passwords are shown only now):")
            for username, role, password in created:
                self.stdout.write(f"  {username:<20} {role:<22} {password}")
        else:
            self.stdout.write("Demo data already present; nothing added.")

    @transaction.atomic
    def create_users(self) -> list[tuple[str, str, str]]:
        user_model = get_user_model()
        town = Town.objects.get(code=DEMO_TOWN)
        created = []
        for role in Role:
            username = role.value.replace("_", "-")
            if user_model.objects.filter(username=username).exists():
                continue
            password = secrets.token_urlsafe(9)
            user = user_model.objects.create_user(
                username=username,
                password=password,
                email=f"{username}@hotline.invalid",
                is_staff=role == Role.ADMINISTRATOR,
                is_superuser=role == Role.ADMINISTRATOR,
            )
            Membership.objects.create(user=user, role=role, town=town if role in TOWN_ROLES else None)
            created.append((username, str(role.label), password))
        return created
