"""Money is ``Decimal`` yuan with fen precision, never float.

Rounding rule: every computed amount is rounded to the fen (0.01 yuan) with ROUND_HALF_UP, the
way a cashier rounds (¥3,000.045 → ¥3,000.05), once, at the end of each calculation step that
produces an amount someone is paid. Splits between joint reporters round each share down to the
fen and give the remaining fen to the first reporter, so the shares always add up to the total.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def to_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def yuan(value: str | int | Decimal) -> Decimal:
    """A money amount from a literal; floats are refused because they are not exact."""
    if isinstance(value, float):
        raise TypeError("money must not be a float")
    return to_fen(Decimal(value))


def split(total: Decimal, parts: int) -> list[Decimal]:
    """``total`` in ``parts`` shares that add up exactly: the first share takes the odd fen."""
    if parts < 1:
        raise ValueError("at least one share")
    share = (total / parts).quantize(FEN, rounding=ROUND_DOWN)
    return [total - share * (parts - 1)] + [share] * (parts - 1)


def format_yuan(amount: Decimal) -> str:
    """``¥48,000`` for whole yuan, ``¥3,000.05`` otherwise — what people write on a form."""
    amount = to_fen(amount)
    if amount == amount.to_integral_value():
        return f"¥{int(amount):,}"
    return f"¥{amount:,.2f}"


def format_percent(rate: Decimal) -> str:
    """``Decimal("0.15")`` → ``15 %``."""
    percent = (rate * 100).normalize()
    return f"{percent:f} %"
