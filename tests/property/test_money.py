"""Properties of money (rewards/money.py): amounts are whole fen, rounding is half-up once, and
shares between joint reporters always add up to the total."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rewards.money import FEN, format_yuan, split, to_fen, yuan

amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("10000000"), places=4, allow_nan=False)
fen_amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("10000000"), places=2, allow_nan=False)


@given(amounts)
def test_rounding_to_the_fen_is_within_half_a_fen_and_stable(amount: Decimal) -> None:
    rounded = to_fen(amount)
    assert rounded == rounded.quantize(FEN)
    assert abs(rounded - amount) <= FEN / 2
    assert to_fen(rounded) == rounded


@given(st.integers(min_value=0, max_value=10**9))
def test_half_a_fen_always_rounds_up(fen: int) -> None:
    assert to_fen(Decimal(fen) / 100 + Decimal("0.005")) == Decimal(fen + 1) / 100


@given(fen_amounts, st.integers(min_value=1, max_value=50))
def test_shares_add_up_to_the_total_and_differ_by_less_than_the_number_of_shares(total: Decimal, parts: int) -> None:
    shares = split(total, parts)
    assert len(shares) == parts
    assert sum(shares) == total
    assert all(share == share.quantize(FEN) and share >= 0 for share in shares)
    assert shares[0] - min(shares) < FEN * parts  # the first reporter takes only the odd fen


@given(fen_amounts)
def test_the_written_amount_reads_back_as_the_amount(amount: Decimal) -> None:
    written = format_yuan(amount)
    assert written.startswith("¥")
    assert Decimal(written[1:].replace(",", "")) == amount


def test_a_float_is_refused() -> None:
    with pytest.raises(TypeError):
        yuan(0.1)  # type: ignore[arg-type]  # the point: a float must not slip through
