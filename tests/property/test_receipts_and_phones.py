"""Properties of what reporters type: receipts, phone numbers. Round-trips, invariants, and no
crash on any text a person or a phone could send."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import example, given
from hypothesis import strategies as st

from cases.phones import is_mobile, normalize_phone
from cases.receipts import RECEIPT_DIGITS, format_receipt, parse_receipt

receipts = st.text(alphabet="0123456789", min_size=RECEIPT_DIGITS, max_size=RECEIPT_DIGITS)
separators = st.text(alphabet=" -\t", max_size=2)


@given(receipts)
def test_a_formatted_receipt_reads_back_as_itself(receipt: str) -> None:
    assert parse_receipt(format_receipt(receipt)) == receipt


@given(receipts, st.lists(separators, min_size=RECEIPT_DIGITS + 1, max_size=RECEIPT_DIGITS + 1))
def test_spaces_and_dashes_anywhere_do_not_change_the_receipt(receipt: str, gaps: list[str]) -> None:
    typed = "".join(gap + digit for gap, digit in zip(gaps, receipt, strict=False)) + gaps[-1]
    assert parse_receipt(typed) == receipt


@given(st.text())
@example("١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦")  # Arabic-Indic digits: str.isdigit() says yes, a receipt says no
@example("１２３４５６７８９０１２３４５６")  # full-width digits from a Chinese keyboard
def test_any_text_parses_to_sixteen_ascii_digits_or_nothing(text: str) -> None:
    parsed = parse_receipt(text)
    assert parsed is None or (len(parsed) == RECEIPT_DIGITS and parsed.isascii() and parsed.isdigit())


@given(st.text(alphabet="0123456789").filter(lambda digits: len(digits) != RECEIPT_DIGITS))
def test_a_wrong_number_of_digits_is_never_a_receipt(digits: str) -> None:
    assert parse_receipt(digits) is None


mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}", st.sampled_from("3456789"), st.from_regex(r"[0-9]{9}", fullmatch=True)
)


FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")


@given(
    mobiles,
    st.sampled_from(["{}", "+86{}", "0086{}", "+86 {}", "{} ", "({})"]),
    st.sampled_from([" ", "-", ""]),
    st.booleans(),
)
def test_every_way_of_writing_a_mobile_gives_one_stored_number(
    mobile: str, shape: str, separator: str, full_width: bool
) -> None:
    spaced = separator.join([mobile[:3], mobile[3:7], mobile[7:]])
    typed = shape.format(spaced)
    stored = normalize_phone(typed.translate(FULL_WIDTH) if full_width else typed)  # a Chinese keyboard's digits
    assert stored == "+86" + mobile
    assert is_mobile(stored)


@given(st.text(max_size=40))
@example("138១២៣៤៥៦៧៨")  # Khmer digits: a regex \d matches them, a phone number must not
def test_any_text_is_a_normalised_number_or_a_clear_refusal(text: str) -> None:
    try:
        stored = normalize_phone(text)
    except ValidationError as refusal:
        assert refusal.code == "phone"
        return
    assert stored.startswith("+") and stored[1:].isascii() and stored[1:].isdigit()
    assert normalize_phone(stored) == stored  # normalising twice changes nothing


@pytest.mark.parametrize("landline", ["010 1234 5678", "0757-8123-4567"])
def test_a_landline_is_stored_but_never_texted(landline: str) -> None:
    assert not is_mobile(normalize_phone(landline))
