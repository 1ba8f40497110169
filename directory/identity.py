"""Matching a person across records without keeping their identifiers in clear.

A reporter who turns out to be bureau staff or the enterprise's safety manager has a duty to
report and earns no reward; finding that out compares blind indexes (``config.crypto``) of the
ID number and the phone number. Both sides go through the same keys here, so ``+86 138-1234-1234``
on one record matches ``13812341234`` on another.
"""

from __future__ import annotations

import re

from config.crypto import blind_index

_NOT_ID = re.compile(r"[^0-9X]")
_NOT_DIGIT = re.compile(r"\D")


def id_number_key(id_number: str) -> str:
    """Key of a resident ID number: separators and case do not matter; empty stays empty."""
    number = _NOT_ID.sub("", id_number.upper())
    return blind_index("person-id:" + number) if number else ""


def phone_key(phone: str) -> str:
    """Key of a mainland phone number in its national form (mobile ``138…``, landline ``020…``)."""
    digits = _NOT_DIGIT.sub("", phone)
    if digits.startswith("0086"):
        digits = digits[4:]
    elif phone.strip().startswith("+86") or (digits.startswith("86") and len(digits) == 13):
        digits = digits[2:]
    digits = digits.lstrip("0")
    return blind_index("person-phone:" + digits) if digits else ""
