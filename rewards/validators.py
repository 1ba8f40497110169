"""Checks on what a reporter types when claiming: ID number, bank account, mobile-payment account.

Each returns the normalised value or raises ``ValidationError`` with a message a reporter can act on.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from cases.phones import is_mobile, normalize_phone
from rewards.models import ClaimMethod

# GB 11643-1999: weights of the 17 body digits, and the check character for sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII: \d would also take other scripts' digits
_SEPARATORS = re.compile(r"[\s\-]")
ACCOUNT_DIGITS = (10, 30)
CARD_LENGTHS = (16, 19)  # UnionPay debit cards, which print a Luhn check digit


def id_check_character(body: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


def normalize_id_number(raw: str) -> str:
    """An 18-character resident ID number (GB 11643): shape, date of birth and check character."""
    number = _SEPARATORS.sub("", raw.strip()).upper()
    if not _ID_SHAPE.match(number):
        raise ValidationError(_("An ID number has 17 digits followed by a digit or X."), code="id_number")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("This ID number does not contain a valid date of birth."), code="id_number") from None
    if id_check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("This ID number's check character is wrong; please check every digit."), code="id_number"
        )
    return number


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def normalize_bank_account(raw: str) -> str:
    """A mainland bank account: a debit card (16–19 digits) or a passbook or corporate account
    (10–30 digits). Only card numbers carry a Luhn check digit, and not all of them, so a failed
    check is a warning (``account_warning``) rather than a refusal."""
    number = _SEPARATORS.sub("", raw.strip())
    if not (number.isascii() and number.isdigit() and ACCOUNT_DIGITS[0] <= len(number) <= ACCOUNT_DIGITS[1]):
        raise ValidationError(_("A bank account or card number has 10 to 30 digits."), code="account")
    return number


def account_warning(method: str, account: str) -> str:
    """What finance should check before paying: a card-length number whose check digit does not
    match was probably mistyped (though some accounts of that length carry none). Empty: nothing."""
    if method == ClaimMethod.BANK and len(account) in CARD_LENGTHS and not luhn_valid(account):
        return str(
            _("The check digit of this card number does not match: confirm the number with the reporter before paying.")
        )
    return ""


def normalize_mobile_payment_account(raw: str) -> str:
    """Alipay or WeChat Pay: the mainland mobile number the account is registered to, or an e-mail address."""
    text = raw.strip()
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError(_("Enter the mobile number or e-mail of the account."), code="account") from None
        return text.lower()
    try:
        number = normalize_phone(text)
    except ValidationError:
        number = ""
    if not is_mobile(number):
        raise ValidationError(_("Enter the mobile number or e-mail of the account."), code="account")
    return number
