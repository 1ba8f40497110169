"""The national reward table, its boundaries, the rounding rule and the monthly cap."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from cases.services import reporter_create
from config.errors import ApplicationError
from rewards.calculation import Findings, calculate
from rewards.models import Basis, Reward, RewardPolicy
from rewards.money import format_yuan, split, to_fen, yuan

POLICY = RewardPolicy()  # the national defaults, unsaved: the table needs no database


@pytest.mark.parametrize(
    ("fine", "expected", "working"),
    [
        ("0", "3000.00", "15 % × ¥0 fine = ¥0, raised to the minimum ¥3,000"),
        # ¥2,999.9985 is ¥3,000.00 at the fen, so the minimum is met exactly.
        ("19999.99", "3000.00", "15 % × ¥19,999.99 fine = ¥3,000"),
        ("19999.96", "3000.00", "15 % × ¥19,999.96 fine = ¥2,999.99, raised to the minimum ¥3,000"),
        ("20000", "3000.00", "15 % × ¥20,000 fine = ¥3,000"),
        ("20000.01", "3000.00", "15 % × ¥20,000.01 fine = ¥3,000"),  # ¥3,000.0015 → ¥3,000.00
        ("48000", "7200.00", "15 % × ¥48,000 fine = ¥7,200"),
        ("2000000", "300000.00", "15 % × ¥2,000,000 fine = ¥300,000"),
        ("2000000.04", "300000.00", "15 % × ¥2,000,000.04 fine = ¥300,000.01, capped at the maximum ¥300,000"),
        ("5000000", "300000.00", "15 % × ¥5,000,000 fine = ¥750,000, capped at the maximum ¥300,000"),
    ],
)
def test_major_hazard_earns_15_percent_of_the_fine_within_3000_and_300000(
    fine: str, expected: str, working: str
) -> None:
    with translation.override("en"):
        result = calculate(Findings(hazard_level="major", fine=Decimal(fine)), POLICY)
    assert result.basis == Basis.MAJOR_HAZARD
    assert result.amount == Decimal(expected)
    assert result.working == working


def test_an_illegal_act_with_a_fine_is_judged_like_a_major_hazard() -> None:
    result = calculate(Findings(hazard_level="ordinary", illegal_acts="无证经营", fine=Decimal("100000")), POLICY)
    assert (result.basis, result.amount) == (Basis.MAJOR_HAZARD, Decimal("15000.00"))


GRADES = {"general": 30_000, "larger": 40_000, "major": 50_000, "especially_major": 60_000}


@pytest.mark.parametrize("deaths", range(1, 11))
@pytest.mark.parametrize("grade", list(GRADES))
def test_concealed_accident_pays_per_hidden_death_by_grade_at_most_300000(deaths: int, grade: str) -> None:
    with translation.override("en"):
        result = calculate(Findings(concealed_deaths=deaths, accident_grade=grade, fine=Decimal("1000000")), POLICY)
    assert result.basis == Basis.CONCEALED_ACCIDENT
    assert result.amount == min(Decimal(GRADES[grade] * deaths), Decimal(300_000))
    assert ("capped" in result.working) == (GRADES[grade] * deaths > 300_000)


@pytest.mark.parametrize(
    ("awarded", "expected"),
    [("0", "500.00"), ("500", "500.00"), ("700", "300.00"), ("1000", "0.00"), ("1500", "0.00")],
)
def test_ordinary_hazard_is_500_and_at_most_1000_a_month(awarded: str, expected: str) -> None:
    result = calculate(Findings(hazard_level="ordinary"), POLICY, awarded_this_month=Decimal(awarded))
    assert (result.basis, result.amount) == (Basis.ORDINARY_HAZARD, Decimal(expected))


@pytest.mark.parametrize(
    ("findings", "field"),
    [
        (Findings(hazard_level="major", fine=Decimal("-1")), "fine_amount"),
        (Findings(hazard_level="major", fine=Decimal("100000000.01")), "fine_amount"),
        (Findings(concealed_deaths=2), "accident_grade"),
    ],
)
def test_implausible_findings_are_refused_naming_the_field(findings: Findings, field: str) -> None:
    with pytest.raises(ApplicationError) as refused:
        calculate(findings, POLICY)
    assert field in refused.value.fields


def test_rounding_is_half_up_to_the_fen() -> None:
    # 15 % × ¥20,000.30 = ¥3,000.045: half-up gives .05 where banker's rounding would give .04.
    assert calculate(Findings(hazard_level="major", fine=Decimal("20000.30")), POLICY).amount == Decimal("3000.05")
    assert to_fen(Decimal("0.005")) == Decimal("0.01")
    assert to_fen(Decimal("0.0049")) == Decimal("0.00")
    assert to_fen(Decimal("-0.005")) == Decimal("-0.01")


def test_money_refuses_floats_and_splits_add_up() -> None:
    with pytest.raises(TypeError):
        yuan(0.1)  # type: ignore[arg-type]
    assert split(Decimal("1000.00"), 3) == [Decimal("333.34"), Decimal("333.33"), Decimal("333.33")]
    assert sum(split(Decimal("0.05"), 2)) == Decimal("0.05")
    assert format_yuan(Decimal("7200")) == "¥7,200"
    assert format_yuan(Decimal("3000.05")) == "¥3,000.05"


@pytest.mark.django_db
def test_the_monthly_cap_counts_the_same_reporter_and_hazard_type(report: Any) -> None:
    def same_person() -> Any:  # one reporter record per report, as intake creates them
        return reporter_create(name="李四", phone="13900001111")

    first = report(reporter=same_person())
    second = report(reporter=same_person())
    third = report(reporter=same_person())
    other_type = report(reporter=same_person(), category="electrical")
    other_person = report(reporter=reporter_create(name="王五", phone="13900002222"))

    assert first.reward.amount == Decimal("500.00")
    assert second.reward.amount == Decimal("500.00")
    assert not Reward.objects.filter(case=third.case).exists()  # the cap leaves ¥0: nothing proposed
    assert other_type.reward.amount == Decimal("500.00")
    assert other_person.reward.amount == Decimal("500.00")
