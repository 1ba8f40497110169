"""Fixed-window rate limits in the cache (Redis in production, process memory in the embedded default).

Used for receipt and password guessing and intake floods. The key names what is limited
(``"lookup:ip:<hash>"``); callers hash anything personal before it becomes part of a key.

When the cache cannot be reached (Redis restarting) the answer is ``when_unavailable``: by default
the attempt is allowed, because a report refused for want of a counter is a report lost
(tests/resilience/test_redis_restart.py); a guard that must rather refuse passes ``False``.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def hit(key: str, *, limit: int, window_seconds: int, when_unavailable: bool = True) -> bool:
    """Count one attempt; True while the attempts in the current window are within ``limit``."""
    window = int(time.time() // window_seconds)
    cache_key = f"rl:{key}:{window}"
    try:
        cache.add(cache_key, 0, timeout=window_seconds + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=window_seconds + 1)
            count = 1
    except RedisError as error:
        logger.error("Rate limit %s not counted, cache unreachable: %s", key.split(":", 1)[0], type(error).__name__)
        return when_unavailable
    return count <= limit
