"""Intake settings: read from Django settings when present, else from the environment with safe defaults.

Kept here rather than in ``config/settings`` so the intake can be tuned without touching shared files.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings

from config.env import env_int, env_str

MB = 1024 * 1024


def _setting(name: str, default: object) -> object:
    return getattr(settings, name, default)


def max_files() -> int:
    return int(str(_setting("HOTLINE_MAX_FILES", env_int("HOTLINE_MAX_FILES", 10))))


def max_bytes(kind: str) -> int:
    """Upper size per file by kind (image, video, audio, pdf), in bytes."""
    limits = {"image": 15 * MB, "video": 100 * MB, "audio": 30 * MB, "pdf": 20 * MB}
    configured = _setting("HOTLINE_MAX_UPLOAD_BYTES", {})
    if isinstance(configured, dict) and kind in configured:
        return int(configured[kind])
    return limits[kind]


def max_text_chars() -> int:
    return int(str(_setting("HOTLINE_MAX_TEXT_CHARS", env_int("HOTLINE_MAX_TEXT_CHARS", 10_000))))


def join_window_hours() -> int:
    return int(str(_setting("HOTLINE_SMS_JOIN_HOURS", env_int("HOTLINE_SMS_JOIN_HOURS", 24))))


def office_hours() -> list[tuple[time, time]]:
    """Working-day hours when 0 in the IVR rings the duty line, e.g. ``08:30-12:00,14:00-17:30``."""
    raw = str(_setting("HOTLINE_OFFICE_HOURS", env_str("HOTLINE_OFFICE_HOURS", "08:30-12:00,14:00-17:30")))
    spans = []
    for span in filter(None, (part.strip() for part in raw.split(","))):
        start, end = span.split("-")
        spans.append((time.fromisoformat(start), time.fromisoformat(end)))
    return spans


def bureau_duty_phone() -> str:
    """Where 0 rings when the caller does not know the town, or the town has no duty line."""
    return str(_setting("HOTLINE_BUREAU_DUTY_PHONE", env_str("HOTLINE_BUREAU_DUTY_PHONE", "")))


def rate_limit(name: str) -> tuple[int, int]:
    """(limit, window seconds) per intake flood guard; generous so first reports are never refused."""
    defaults = {
        "sms_number": (30, 3600),  # messages per sender number and hour
        "mailbox_address": (20, 3600),  # web reports per client address and hour
        "lookup_address": (20, 600),  # receipt lookups per client address
        "lookup_receipt": (10, 600),  # attempts on one receipt, whatever the address
        "voice_number": (10, 3600),  # voicemails per caller number and hour
    }
    configured = _setting("HOTLINE_RATE_LIMITS", None)
    if configured is None:
        # e.g. HOTLINE_RATE_LIMITS="mailbox_address=100000/3600,sms_number=100000/3600" for a load test
        parsed: dict[str, tuple[int, int]] = {}
        for item in filter(None, env_str("HOTLINE_RATE_LIMITS", "").split(",")):
            key, _, value = item.partition("=")
            limit, _, window = value.partition("/")
            parsed[key.strip()] = (int(limit), int(window))
        configured = parsed
    if isinstance(configured, dict) and name in configured:
        limit, window = configured[name]
        return int(limit), int(window)
    return defaults[name]
