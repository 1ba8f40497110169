"""Receipts: 16 random digits given to the reporter once, stored only as a keyed hash."""

from __future__ import annotations

import re
import secrets

from django.contrib.auth.hashers import check_password, make_password

from config.crypto import blind_index

RECEIPT_DIGITS = 16
_NON_DIGITS = re.compile(r"[\s\-]")


def new_receipt() -> str:
    return f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def parse_receipt(text: str) -> str | None:
    """The receipt in what a person typed (spaces and dashes allowed), or None if it is not one."""
    digits = _NON_DIGITS.sub("", text.strip())
    if len(digits) == RECEIPT_DIGITS and digits.isascii() and digits.isdigit():
        return digits
    return None


def receipt_index(receipt: str) -> str:
    return blind_index("receipt:" + receipt)


def format_receipt(receipt: str) -> str:
    """``1234 5678 9012 3456``: easier to copy down than sixteen digits in a row."""
    return " ".join(receipt[i : i + 4] for i in range(0, RECEIPT_DIGITS, 4))


def hash_password(password: str) -> str:
    return make_password(password)


def password_matches(password: str, encoded: str) -> bool:
    return bool(encoded) and check_password(password, encoded)
