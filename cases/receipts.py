"""Receipts: 16 random digits given to the reporter once, stored only as a keyed hash."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, get_hasher, make_password

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
    """PBKDF2 like staff passwords, at a cost fit for a public form — computed off the request path.

    Django's default (1,000,000 rounds) spent 0.3–3 s of CPU per report here: on an
    unauthenticated form that is a flood lever. The password is a second factor: the 16-digit
    receipt (53 random bits, stored as a keyed HMAC) must be known first, and online guessing is
    rate-limited. So ``RECEIPT_PASSWORD_ITERATIONS`` (20,000 by default) rounds, salted, in
    Django's ``pbkdf2_sha256$…`` format that ``password_matches`` reads unchanged.

    Even 20,000 rounds (10–20 ms of CPU) cost several times the whole budget of a mailbox request,
    so the mailbox does not hash at the door. Of the two ways out we chose the first:
    - *Encrypt at the door, hash in the worker* (chosen): the request stores the password inside
      the Fernet-encrypted payload of the waiting report (``FIELD_ENCRYPTION_KEYS``, like every other
      personal field), the task worker hashes it here and empties the payload in the same
      transaction that builds the case. The ciphertext lives seconds, under the keys that already
      protect names and phone numbers; a stolen database without the keys reveals nothing, and the
      lasting record is the ordinary salted, slow hash. Lookups before the case exists compare
      against the decrypted password in constant time (``hotline.access``), rate-limited like all
      lookups.
    - *A keyed fast hash* (HMAC with a server-side pepper) was rejected: it is only as strong as
      the secrecy of one more key, with no work factor at all once that key leaks alongside the
      database, and it would be a second password format to keep forever.
    """
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        return str(hasher.encode(password, hasher.salt(), iterations=settings.RECEIPT_PASSWORD_ITERATIONS))
    return make_password(password)  # another configured hasher (the tests' fast one): use it as it is


def password_matches(password: str, encoded: str) -> bool:
    return bool(encoded) and check_password(password, encoded)
