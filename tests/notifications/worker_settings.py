"""Test settings with the database task backend, for tests that run a real worker or ``serve``."""

from config.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "sms", "email"]}}
