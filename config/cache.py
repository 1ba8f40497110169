"""Django's Redis cache, with one redis client per connection pool instead of one per operation.

Django's ``RedisCacheClient`` builds a new ``redis.Redis`` for every get, set or incr, and that
costs ~50 µs of CPU (it copies the table of reply parsers): a noticeable share of an intake
request, which counts a flood hit and remembers its request id (bench/README.md, "Intake").
A client over a pool is safe to share between threads (redis-py), so one is kept per pool.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis
from redis import Redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Redis:
        # Django's private helpers: the pool for this server choice, and the client class.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
