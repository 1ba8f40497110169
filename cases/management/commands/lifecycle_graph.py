"""``manage.py lifecycle_graph``: docs/case-lifecycle.md, generated from the Case state machine.

Everything in the page is read from the model: transitions, sources and targets from django-fsm-2,
who may make each move by asking the transition's permission about every role, what must hold
from the conditions' messages, and the DOT graph from django-fsm-2's ``graph_transitions``.
The output is deterministic (sorted) so a test can compare it with the committed page.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import translation
from django_fsm import Transition
from django_fsm.management.commands.graph_transitions import generate_dot

from cases.models import Case, State
from directory.access import StaffAccess
from directory.models import TOWN_ROLES, Role

INTRO = """\
# Case lifecycle

Generated from `cases.models.Case` by `manage.py lifecycle_graph` (`make graph`); do not edit by
hand: `tests/cases/test_lifecycle_graph.py` fails when this page and the model disagree.

Each transition is a django-fsm-2 method on `Case` (protected field, concurrent-safe). The
services in `cases/services/lifecycle.py` run it and answer in this order: 403 when the role may
not make the move, 409 when the case's state does not allow it, 409 naming the missing field
when a condition below is not met, 409 when someone else changed the case at the same time.
Every transition writes one `CaseEvent` (actor, from, to, reason).
"""

_CASE_TOWN = 1


def _staff(role: Role) -> Any:
    """A user holding only ``role`` (in the case's town for town roles); nothing is read from the database."""
    if role in TOWN_ROLES:
        access = StaffAccess(user_id=0, town_roles={_CASE_TOWN: frozenset({role})})
    else:
        access = StaffAccess(user_id=0, bureau_roles=frozenset({role}))
    return SimpleNamespace(pk=0, is_authenticated=True, is_active=True, _staff_access=access)


def who_may(transition: Transition) -> str:
    case = Case(town_id=_CASE_TOWN)
    allowed = []
    for role in Role:
        if transition.has_perm(case, _staff(role)):
            label = str(role.label)
            allowed.append(f"{label} (of the case's town)" if role in TOWN_ROLES else label)
    return ", ".join(allowed) or "nobody"


def conditions(transition: Transition) -> str:
    # cases.rules attaches the field and the message a refusal names to each condition.
    messages = [
        f"`{getattr(check, 'field', '?')}`: {getattr(check, 'message', check.__name__)}"
        for check in transition.conditions
    ]
    return "<br>".join(messages) or "—"


def transitions_table() -> list[str]:
    order = {state: position for position, state in enumerate(State)}
    transitions = sorted(
        Case._meta.get_field("state").get_all_transitions(Case),  # type: ignore[union-attr]
        key=lambda t: (order[t.source], order[t.target], t.name),
    )
    rows = [
        "| transition | from | to | who may | conditions |",
        "|---|---|---|---|---|",
    ]
    for transition in transitions:
        rows.append(
            f"| `{transition.name}` | {State(transition.source).label} | {State(transition.target).label} | "
            f"{who_may(transition)} | {conditions(transition)} |"
        )
    return rows


def dot_graph() -> str:
    """django-fsm-2's graph, with its set-ordered statements sorted so the text is stable."""
    lines = str(generate_dot([(Case._meta.get_field("state"), Case)])).splitlines()
    opening = next(i for i, line in enumerate(lines) if line.lstrip().startswith("subgraph"))
    closing = max(i for i, line in enumerate(lines) if line.strip() == "}" and line.startswith("\t"))
    header = [line for line in lines[opening + 1 : closing] if line.lstrip().startswith(("graph", "label"))]
    statements = sorted(line for line in lines[opening + 1 : closing] if line not in header)
    return "\n".join([*lines[: opening + 1], *header, *statements, *lines[closing:]])


def lifecycle_markdown() -> str:
    with translation.override("en"):
        parts = [
            INTRO,
            "## Transitions",
            "",
            *transitions_table(),
            "",
            "## Graph",
            "",
            "Double circles are states no transition leaves. Render with `dot -Tsvg` or any Graphviz viewer.",
            "",
            "```dot",
            dot_graph(),
            "```",
        ]
    return "\n".join(parts) + "\n"


class Command(BaseCommand):
    help = "Print docs/case-lifecycle.md (Markdown with a transitions table and the DOT graph) from the model."
    requires_system_checks: list[str] = []  # reads only the model; URL or deploy checks do not concern it

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(lifecycle_markdown(), ending="")
