"""The sandbox outbox in the admin: staff read what went out, with the reporter's number masked."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from notifications.services import message_send
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_outbox_lists_sandbox_messages_with_masked_numbers(django_capture_on_commit_callbacks: Any) -> None:
    case = CaseFactory()
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(
            to="+8613812341234",
            body="您的回执号 5678",
            purpose="receipt",
            dedupe_key="receipt:admin",
            case=case,
            reporter=case.reporter,
        )
    client = Client()
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    listing = client.get("/admin/notifications/outboundmessage/").content.decode()
    detail = client.get(f"/admin/notifications/outboundmessage/{message.pk}/change/").content.decode()
    for page in (listing, detail):
        assert "138****1234" in page
        assert "13812341234" not in page
    assert "您的回执号 5678" in detail
