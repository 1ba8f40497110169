"""Page-test helpers: a logged-in browser-like client per persona, past the second factor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice


def verified_client(user: Any) -> Client:
    """A client logged in as ``user`` whose session has passed the TOTP step."""
    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def page_as(users: dict[str, Any]) -> Callable[[str | None], Client]:
    """``page_as("officer")`` → a client of that persona; ``page_as(None)`` → anonymous."""

    def make(persona: str | None) -> Client:
        return Client() if persona is None else verified_client(users[persona])

    return make


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []
