"""The notifications settings with their defaults (``settings.NOTIFICATIONS`` overrides each).

- ``max_attempts``: tries of one message before it is marked failed on its case.
- ``retry_base_seconds``: first back-off; each retry waits twice as long (capped at an hour).
- ``deadline_scan_seconds``: how often the worker looks for cases near or past their deadline.
- ``digest_hour``: local hour from which the daily deadline digest goes out.
- ``ticket_seconds``: lifetime of a websocket ticket from ``POST /api/v1/live/ticket/``.
"""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    "max_attempts": 5,
    "retry_base_seconds": 30,
    "deadline_scan_seconds": 3600,
    "digest_hour": 8,
    "ticket_seconds": 60,
}


def setting(name: str) -> int:
    return int({**DEFAULTS, **getattr(settings, "NOTIFICATIONS", {})}[name])
