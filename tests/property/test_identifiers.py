"""Properties of the check characters on Chinese identifiers: resident ID numbers (GB 11643) and
unified social credit codes (GB 32100). A number built with its check character is accepted in any
way a person writes it; changing any one character is caught; any text gets an answer, not a crash."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from directory.validators import CREDIT_CODE_ALPHABET, credit_code_check_char, validate_credit_code
from rewards.validators import id_check_character, normalize_bank_account, normalize_id_number

ID_CHARACTERS = "0123456789X"

birthdays = st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31))
id_bodies = st.builds(
    lambda region, born, serial: f"{region}{born:%Y%m%d}{serial}",
    st.from_regex(r"[1-8][0-9]{5}", fullmatch=True),
    birthdays,
    st.from_regex(r"[0-9]{3}", fullmatch=True),
)
credit_bodies = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17)


@given(id_bodies, st.sampled_from(["{}", " {} ", "{}\t"]))
def test_an_id_number_with_its_check_character_is_accepted(body: str, shape: str) -> None:
    number = body + id_check_character(body)
    assert normalize_id_number(shape.format(number).lower()) == number


@given(id_bodies, st.integers(min_value=0, max_value=17), st.sampled_from(ID_CHARACTERS))
def test_changing_any_one_character_of_an_id_number_is_caught(body: str, position: int, replacement: str) -> None:
    number = body + id_check_character(body)
    assume(number[position] != replacement)
    typo = number[:position] + replacement + number[position + 1 :]
    try:
        normalize_id_number(typo)
    except ValidationError as refusal:
        assert refusal.code == "id_number"
    else:
        raise AssertionError(f"{typo} (a typo of {number}) was accepted")


@given(st.text(max_size=30))
def test_any_text_is_an_id_number_or_a_clear_refusal(text: str) -> None:
    try:
        number = normalize_id_number(text)
    except ValidationError as refusal:
        assert refusal.code == "id_number"
        return
    assert id_check_character(number[:17]) == number[17]


@given(credit_bodies)
def test_a_credit_code_with_its_check_character_is_accepted_in_any_case(body: str) -> None:
    code = body + credit_code_check_char(body)
    validate_credit_code(code)
    validate_credit_code(code.lower())


@given(credit_bodies, st.integers(min_value=0, max_value=17), st.sampled_from(CREDIT_CODE_ALPHABET))
def test_changing_any_one_character_of_a_credit_code_is_caught(body: str, position: int, replacement: str) -> None:
    code = body + credit_code_check_char(body)
    assume(code[position] != replacement)
    try:
        validate_credit_code(code[:position] + replacement + code[position + 1 :])
    except ValidationError as refusal:
        assert refusal.code == "check"
    else:
        raise AssertionError(f"a typo of {code} was accepted")


@given(st.text(max_size=24))
def test_any_text_is_a_credit_code_or_a_clear_refusal(text: str) -> None:
    try:
        validate_credit_code(text)
    except ValidationError as refusal:
        assert refusal.code in {"length", "alphabet", "check"}


@given(st.text(max_size=24))
def test_any_text_is_a_bank_card_or_a_clear_refusal(text: str) -> None:
    try:
        card = normalize_bank_account(text)
    except ValidationError as refusal:
        assert refusal.code == "account"
        return
    assert card.isascii() and card.isdigit() and 10 <= len(card) <= 30
