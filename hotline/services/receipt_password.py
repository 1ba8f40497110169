"""The reporter's receipt password: PBKDF2 like staff passwords, with a cost fit for a public form.

Django's default (1,000,000 PBKDF2 rounds) took 0.3–3 s of CPU per report on this machine: a
public, unauthenticated form that spends seconds per POST is a flood lever, and the mailbox
managed about one report a second. The password is a second factor here, not the only secret:
the 16-digit receipt (53 random bits, stored as a keyed HMAC) must be known first, and online
guessing is rate-limited per address and per receipt. So the rounds are lower (20,000 by
default, ``HOTLINE_RECEIPT_PASSWORD_ITERATIONS``) and still salted. The hash keeps Django's
``pbkdf2_sha256$<rounds>$…`` format, so ``cases.receipts.password_matches`` (and every reader
of the receipt, rewards' claims included) verifies it unchanged.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher, get_hasher, make_password

from hotline import conf


def receipt_password_hash(password: str) -> str:
    hasher = get_hasher("default")
    if isinstance(hasher, PBKDF2PasswordHasher):
        return str(hasher.encode(password, hasher.salt(), iterations=conf.receipt_password_iterations()))
    return make_password(password)  # another configured hasher (tests use a fast one): keep it as it is
