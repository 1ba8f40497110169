"""Fixed-window rate limits in the cache (Redis in production, process memory in the embedded default).

Used for receipt and password guessing and intake floods. The key names what is limited
(``"lookup:ip:<hash>"``); callers hash anything personal before it becomes part of a key.

When the cache cannot be reached (Redis restarting) the answer is ``when_unavailable``: by default
the attempt is allowed, because a report refused for want of a counter is a report lost
(tests/resilience/test_redis_restart.py); a guard that must rather refuse passes ``False``.

On Redis a hit is one round trip (INCR, and EXPIRE NX so only the window's first hit sets its
end, in one MULTI): the flood guard runs on every intake request (bench/README.md, "Intake").
"""

from __future__ import annotations

import logging
import time

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from config.crypto import blind_index

# Staff sign-in: per account, and per client address (one address trying many accounts).
LOGIN_LIMITS = {"account": (10, 900), "address": (50, 900)}
LOGIN_REFUSAL = _("Too many sign-in attempts. Please wait a quarter of an hour and try again.")

logger = logging.getLogger(__name__)


def hit(key: str, *, limit: int, window_seconds: int, when_unavailable: bool = True) -> bool:
    """Count one attempt; True while the attempts in the current window are within ``limit``."""
    window = int(time.time() // window_seconds)
    cache_key = f"rl:{key}:{window}"
    try:
        count = _count(cache_key, window_seconds + 1)
    except RedisError as error:
        logger.error("Rate limit %s not counted, cache unreachable: %s", key.split(":", 1)[0], type(error).__name__)
        return when_unavailable
    return count <= limit


def _count(cache_key: str, timeout: int) -> int:
    """Add one to the counter, which expires ``timeout`` seconds after its first hit; the new count."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        key = backend.make_and_validate_key(cache_key)
        # Django's RedisCache stores integers as Redis integers, so INCR counts what add/incr would.
        with backend._cache.get_client(key, write=True).pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, timeout, nx=True)
            count, _expiry_set = pipe.execute()
        return int(count)
    cache.add(cache_key, 0, timeout=timeout)  # the process-memory cache of the embedded default
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=timeout)
        return 1


def login_attempt_allowed(*, username: str, address: str) -> bool:
    """Count one staff sign-in attempt; False once the account or the address has tried too often.

    Every attempt counts, right or wrong, so the answer does not tell whether a password was right.
    """
    by_account = hit(
        "login:account:" + blind_index("login:" + username.strip().casefold()),
        limit=LOGIN_LIMITS["account"][0],
        window_seconds=LOGIN_LIMITS["account"][1],
    )
    by_address = hit(
        "login:address:" + blind_index("address:" + address),
        limit=LOGIN_LIMITS["address"][0],
        window_seconds=LOGIN_LIMITS["address"][1],
    )
    return by_account and by_address
