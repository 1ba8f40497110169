"""Properties of reading an SMS (hotline/services/common.py): a town keyword is found however it is
written, the reply language follows the text, and any text is cleaned or refused, never a crash."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from config.errors import ApplicationError
from directory.models import Town
from hotline import conf
from hotline.services.common import clean_text, language_of, town_by_keyword

TOWNS = [
    Town(code="town-a", name="甲镇", name_en="Town A", sms_keywords=["甲镇", "TA"]),
    Town(code="town-b", name="乙镇", name_en="Town B", sms_keywords=["乙镇", "TB"]),
]
keywords = st.sampled_from([(town, keyword) for town in TOWNS for keyword in [*town.sms_keywords, town.code]])


def any_case(draw: st.DrawFn, word: str) -> str:
    return "".join(char.upper() if draw(st.booleans()) else char.lower() for char in word)


@st.composite
def written_keywords(draw: st.DrawFn) -> tuple[Town, str]:
    town, keyword = draw(keywords)
    prefix = draw(st.sampled_from(["", "#", "＃"]))
    padding = draw(st.sampled_from(["", " ", "\t", "  "]))
    return town, f"{padding}{prefix}{any_case(draw, keyword)}{padding}"


@given(written_keywords())
def test_a_keyword_finds_its_town_in_any_case_with_or_without_a_hash(written: tuple[Town, str]) -> None:
    town, word = written
    assert town_by_keyword(word, TOWNS) is town


@given(st.text(max_size=20))
def test_any_other_word_finds_no_town_or_the_town_it_names(word: str) -> None:
    town = town_by_keyword(word, TOWNS)
    if town is not None:
        wanted = word.strip().lstrip("#＃").casefold()
        assert wanted in {k.casefold() for k in town.sms_keywords} | {town.code.casefold()}


@given(st.text(), st.sampled_from("安全隐患火灾"))
def test_text_with_chinese_characters_is_answered_in_chinese(text: str, hanzi: str) -> None:
    assert language_of(text + hanzi) == "zh-hans"


@given(st.text())
def test_the_reply_language_is_always_one_the_hotline_speaks(text: str) -> None:
    assert language_of(text) in {"zh-hans", "en"}


@given(st.text(max_size=300))
def test_any_text_is_cleaned_or_refused_with_a_reason(text: str) -> None:
    try:
        cleaned = clean_text(text)
    except ApplicationError as refusal:
        assert refusal.code in {"empty", "too_long"}
        assert refusal.fields
        return
    assert cleaned and cleaned == cleaned.strip()
    assert all(char in "\n\t" or unicodedata.category(char) != "Cc" for char in cleaned)
    assert len(cleaned) <= conf.max_text_chars()
    assert clean_text(cleaned) == cleaned  # cleaning twice changes nothing
