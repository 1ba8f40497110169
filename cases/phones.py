"""Phone numbers as the hotline stores them: E.164, so one person's number always matches itself."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s\-().]")
# ASCII digits only: ``\d`` alone would also match other scripts' digits and store them as typed.
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_CN_LANDLINE = re.compile(r"^0[1-9]\d{8,10}$", re.ASCII)
_E164 = re.compile(r"^\+[1-9]\d{6,14}$", re.ASCII)


def normalize_phone(raw: str) -> str:
    """``138 1234 1234``, ``+86 138-1234-1234`` and ``008613812341234`` all become ``+8613812341234``;
    so does ``１３８１２３４１２３４`` in the full-width digits of a Chinese keyboard."""
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw).strip())
    if number.startswith("00"):
        number = "+" + number[2:]
    if _CN_MOBILE.match(number):
        return "+86" + number
    if _CN_LANDLINE.match(number):
        return "+86" + number[1:]
    if _E164.match(number):
        return number
    raise ValidationError(_("“%(value)s” is not a phone number."), code="phone", params={"value": raw[:32]})


def is_mobile(number: str) -> bool:
    """True for a normalised mainland mobile number, the only kind that can receive the receipt by SMS."""
    return number.startswith("+86") and bool(_CN_MOBILE.match(number[3:]))
