"""Unified social credit codes (GB 32100-2015): what the enterprise register accepts and why it refuses."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from directory.demo import make_credit_code
from directory.validators import CREDIT_CODE_ALPHABET, credit_code_check_char, validate_credit_code

# Codes of well-known registered companies, as printed on their business licences.
PUBLISHED_CODES = [
    "914403001922038216",  # Huawei Technologies Co., Ltd.
    "9144030071526726XG",  # Shenzhen Tencent Computer Systems Co., Ltd.
    "91330100716105852F",  # Alibaba (China) Co., Ltd.
]


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The messages are asserted in English; Chinese is the default language."""
    with translation.override("en"):
        yield


def refusal(value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_credit_code(value)
    return caught.value


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_it_accepts_published_codes(code: str) -> None:
    validate_credit_code(code)


def test_it_accepts_every_demo_code() -> None:
    rng = random.Random(7)
    for _ in range(200):
        validate_credit_code(make_credit_code(rng))


def test_it_accepts_lower_case_input() -> None:
    validate_credit_code(PUBLISHED_CODES[1].lower())


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_it_rejects_a_wrong_check_character(code: str) -> None:
    wrong = next(char for char in CREDIT_CODE_ALPHABET if char != code[17])
    error = refusal(code[:17] + wrong)
    assert error.code == "check"
    assert "check character" in str(error.message)


def test_it_rejects_a_swapped_pair_of_digits() -> None:
    """Typing two characters the wrong way round is the common slip the check character catches."""
    code = PUBLISHED_CODES[0]
    swapped = code[:9] + code[10] + code[9] + code[11:]
    assert swapped != code
    assert refusal(swapped).code == "check"


@pytest.mark.parametrize("char", ["I", "O", "S", "V", "Z", "-", " ", "中"])
def test_it_rejects_characters_outside_the_register_alphabet(char: str) -> None:
    code = PUBLISHED_CODES[0]
    error = refusal(code[:5] + char + code[6:])
    assert error.code == "alphabet"
    assert "I, O, S, V, Z" in str(error.message)


@pytest.mark.parametrize("length", [0, 15, 17, 19])
def test_it_rejects_the_wrong_length(length: int) -> None:
    code = (PUBLISHED_CODES[0] * 2)[:length]
    error = refusal(code)
    assert error.code == "length"
    assert "18 characters" in str(error.message)


def test_the_check_character_is_computed_from_the_first_seventeen() -> None:
    assert credit_code_check_char(PUBLISHED_CODES[0][:17]) == "6"
    assert credit_code_check_char(PUBLISHED_CODES[1][:17]) == "G"
