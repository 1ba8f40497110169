"""Fixed-window rate limits in the cache (Redis in production, process memory in the embedded default).

Used for receipt and password guessing and intake floods. The key names what is limited
(``"lookup:ip:<hash>"``); callers hash anything personal before it becomes part of a key.
"""

from __future__ import annotations

import time

from django.core.cache import cache


def hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True while the attempts in the current window are within ``limit``."""
    window = int(time.time() // window_seconds)
    cache_key = f"rl:{key}:{window}"
    cache.add(cache_key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds + 1)
        count = 1
    return count <= limit
