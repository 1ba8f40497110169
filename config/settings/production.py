"""Production: PostgreSQL, Redis, real Twilio; secure transport and cookies.

Stops at start-up, naming the variable, when something production cannot run without is
missing, instead of failing on the first report (docs/deployment.md, .env.example).
"""

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int
from config.logging import logging_config
from config.settings.base import *  # noqa: F403
from config.settings.base import ALLOWED_HOSTS, DATABASES, FIELD_ENCRYPTION_KEYS, LOG_LEVEL, REDIS_URL

DEBUG = False
# One JSON object per line on stdout, with the request id, for the log shipper.
LOGGING = logging_config(json_lines=env_bool("LOG_JSON", True), level=LOG_LEVEL)

if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required: the host names this service answers to.")
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is required: reporters' contact details are encrypted with it.")
if not REDIS_URL:
    # Several processes serve production; only Redis carries live events between them.
    raise ImproperlyConfigured("REDIS_URL is required: the web and worker processes share events through Redis.")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…) in production.")

# The proxy terminates TLS and says so in X-Forwarded-Proto; Twilio signatures need the public URL.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
