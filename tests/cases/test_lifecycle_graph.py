"""docs/case-lifecycle.md is generated from the model and must not go stale."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from cases.models import Case

PAGE = Path(__file__).resolve().parents[2] / "docs" / "case-lifecycle.md"


def generated() -> str:
    out = StringIO()
    call_command("lifecycle_graph", stdout=out)
    return out.getvalue()


def test_committed_page_matches_the_model() -> None:
    assert PAGE.read_text() == generated(), "docs/case-lifecycle.md is stale: run `make graph` and commit it"


def test_generation_is_stable_across_runs() -> None:
    assert generated() == generated()


def test_every_transition_of_the_model_is_in_the_table_and_the_graph() -> None:
    page = generated()
    for transition in Case._meta.get_field("state").get_all_transitions(Case):  # type: ignore[union-attr]
        assert f"| `{transition.name}` |" in page
        assert f"[label={transition.name}]" in page


def test_the_table_says_who_may_and_what_must_hold() -> None:
    rows = {line.split("|")[1].strip(" `"): line for line in generated().splitlines() if line.startswith("| `")}
    assert "| Bureau supervisor | — |" in rows["reopen"]
    assert "Town officer (of the case's town)" in rows["submit"]
    assert "Dispatcher" not in rows["submit"]
    assert "`findings`: Record the findings first" in rows["close"]
    assert "`town`: Choose the town" in rows["assign"]


def test_final_states_are_drawn_as_double_circles() -> None:
    page = generated()
    for state in ("Rejected", "Referred", "Merged"):
        assert f"[label={state} shape=doublecircle]" in page
    assert "[label=Closed shape=circle]" in page  # closed cases can be reopened
