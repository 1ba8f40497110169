"""Validators for identifiers of the Chinese register (GB 32100-2015 credit codes)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight for char, weight in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    """Unified social credit code: 18 characters from the register's alphabet, last one a check character."""
    code = value.upper()
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="length")
    if any(char not in CREDIT_CODE_ALPHABET for char in code):
        raise ValidationError(
            _("A unified social credit code uses only digits and capital letters without I, O, S, V, Z."),
            code="alphabet",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(_("The check character of this unified social credit code is wrong."), code="check")
