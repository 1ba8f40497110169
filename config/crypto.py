"""Encryption at rest for personal data: MultiFernet fields and an HMAC blind index.

``FIELD_ENCRYPTION_KEYS`` lists Fernet keys, newest first; values are written with the first
and read with any, so a key can be rotated in without downtime (``rotate_encryption_keys``).
A blind index (HMAC-SHA256 of the normalised value) lets the service find "cases from this
phone number" without storing the number in clear.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        if not settings.DEBUG:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set outside debug mode.")
        # Development only: a stable key derived from SECRET_KEY so `make run` works out of the box.
        derived = hashlib.sha256(b"field-encryption:" + settings.SECRET_KEY.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key.") from None


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured("Stored personal data cannot be decrypted with FIELD_ENCRYPTION_KEYS.") from None


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode()


def blind_index(value: str) -> str:
    """HMAC of an already normalised value; equal inputs give equal indexes, nothing else leaks."""
    return hmac.new(settings.FIELD_HMAC_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token; empty stays empty so "not given" needs no key."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return decrypt(value) if value else ""

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        return encrypt(value) if value else ""


def mask_phone(phone: str) -> str:
    """``+8613812341234`` → ``138****1234``; shorter numbers keep only their last four digits."""
    digits = "".join(char for char in phone if char.isdigit())
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) >= 11:
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) > 4:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "****" if digits else ""


def mask_name(name: str) -> str:
    return f"{name[0]}{'*' * max(len(name) - 1, 1)}" if name else ""


def mask_identifier(value: str) -> str:
    """ID numbers and accounts: first four and last four characters."""
    if len(value) <= 8:
        return "*" * len(value)
    return f"{value[:4]}{'*' * (len(value) - 8)}{value[-4:]}"
