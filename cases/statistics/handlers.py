"""The figures follow case events: the event dispatch in the task worker recounts the case.

The request that changed a case pays nothing for it (the dispatch row is queued with the event);
``refresh_case`` is idempotent, so a retried or re-run dispatch leaves the figures equal to a
GROUP BY, and ``rebuild`` mends the tables after anything worse.
"""

from cases.models import CaseEvent, EventKind
from cases.statistics.figures import refresh_case

# Only these kinds can move a case to another row; notes, questions and messages cannot.
AFFECTING = frozenset({EventKind.CREATED, EventKind.TRANSITION, EventKind.CHANGE, EventKind.EXTENSION})


def on_case_event(event: CaseEvent) -> None:
    if event.kind in AFFECTING:
        refresh_case(event.case_id)
