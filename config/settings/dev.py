"""The embedded default used by ``make run``: SQLite, in-memory channel layer, Twilio sandbox."""

import os

os.environ.setdefault("DEBUG", "1")

from config.settings.base import *  # noqa: F403
