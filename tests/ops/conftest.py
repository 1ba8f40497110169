"""Fixtures for the operations tests: captured log lines exactly as production writes them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache

from config.logging import JsonFormatter
from config.request_id import RequestIdFilter

# Websocket tests reach the database from asgiref's threads: release their connections at the end.
from tests.notifications.conftest import _release_the_test_database  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """The flows here file several reports from one address; the flood guards count in the (shared) cache."""
    cache.clear()
    yield
    cache.clear()


class LogLines:
    """Lines written through the production formatter and filter while the fixture is active."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def entries(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines() if line]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    # LOG_LEVEL=DEBUG: the libraries quietened in config/logging.py stay as production keeps them.
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield LogLines(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
