"""The suite runs on what the environment names: PostgreSQL and Redis in CI's second run, never a
silent fallback to SQLite or the in-memory layer when they are unreachable."""

import os

import pytest
import redis
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_the_database_is_the_one_database_url_names() -> None:
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    assert connection.vendor == expected


def test_the_channel_layer_is_redis_when_redis_url_is_set() -> None:
    backend = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    if os.environ.get("REDIS_URL"):
        assert backend.startswith("channels_redis.")
        assert redis.Redis.from_url(settings.REDIS_URL).ping()
    else:
        assert backend == "channels.layers.InMemoryChannelLayer"
