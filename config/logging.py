"""Logging: one JSON object per line in production (for the log shipper), readable text in development.

Every line carries the request id of the web request, websocket or task that wrote it
(``config.request_id``). Log messages never carry reporters' personal data: code logs ids
(case pk, reporter pk, message pk), never names, phones, ID numbers, receipts or texts;
``tests/ops/test_log_privacy.py`` checks that over the real flows.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

TEXT_FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"

# Libraries that log more than an operator needs, or log request contents, at INFO.
QUIET_LOGGERS = {
    "twilio.http_client": "WARNING",  # every API call's URL and headers
    "daphne.server": "WARNING",
    "django.channels.server": "WARNING",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "process": record.process,
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def logging_config(*, json_lines: bool, level: str) -> dict[str, Any]:
    """The ``LOGGING`` setting: everything to stdout, through the request-id filter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "config.request_id.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "config.logging.JsonFormatter"},
            "text": {"format": TEXT_FORMAT},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["request_id"],
                "formatter": "json" if json_lines else "text",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own console and admin-mail handlers would print its lines a second time, unformatted.
            "django": {"handlers": [], "level": "INFO", "propagate": True},
            **{name: {"level": quiet} for name, quiet in QUIET_LOGGERS.items()},
        },
    }
