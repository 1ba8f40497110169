"""Helpers for intake tests: Twilio webhooks signed by the twilio library's own validator."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import Client
from PIL import Image
from twilio.request_validator import RequestValidator

from cases.receipts import parse_receipt
from config.twilio import auth_token
from hotline.models import InboundReport
from hotline.services.common import towns_forget

Post = Callable[..., Any]
SMS = "/hotline/twilio/sms/"
SENDER = "+8613800000000"


def sms(sid: str, body: str, sender: str = SENDER, **extra: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+861069000000",
        "Body": body,
        "NumMedia": "0",
        **extra,
    }


def receipt_in(reply: str) -> str:
    found = re.search(r"\d{4} \d{4} \d{4} \d{4}", reply)
    assert found, f"no receipt in {reply!r}"
    receipt = parse_receipt(found.group())
    assert receipt is not None
    return receipt


@contextmanager
def report_rows_refused() -> Iterator[None]:
    """The database refuses to store a report row (a full disk), as a failing INSERT would."""

    def refuse(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith(f"INSERT INTO {InboundReport._meta.db_table} "):
            raise DatabaseError("disk full")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    cache.clear()
    towns_forget()  # towns of an earlier test were rolled back without a signal


@pytest.fixture
def twilio_post(client: Client) -> Post:
    """``twilio_post(path, params)`` → response, signed the way Twilio signs the URL it called."""

    def post(path: str, params: dict[str, str], *, signature: str | None = None) -> Any:
        url = "http://testserver" + path
        if signature is None:
            signature = RequestValidator(auth_token()).compute_signature(url, params)
        return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)

    return post


def jpeg_with_gps() -> bytes:
    """A small JPEG whose EXIF names a camera and a GPS position, like a phone photo."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (23.0, 2.0, 30.0)
    gps[3] = "E"
    gps[4] = (113.0, 8.0, 45.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


@pytest.fixture
def worker_backend(settings: Any) -> None:
    """Tasks go to the database, as in production, and run only when ``run_worker()`` is called.

    The worker closes database connections between tasks, so these tests commit (``transaction=True``).
    """
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}


def run_worker() -> None:
    call_command("task_worker", batch=True, no_startup_delay=True, queue_name="*", verbosity=0)


@pytest.fixture
def shared_cache(redis_location: str, settings: Any) -> None:
    """The production cache (Redis), as doors and workers in separate processes see it."""
    settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": redis_location}}
    cache.clear()
