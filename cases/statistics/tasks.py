"""The figures follow case events through the task worker.

The request that changed a case pays one INSERT for the queued refresh, not the ~20 ms refresh
itself; a refresh that fails shows as a failed task, and ``rebuild`` mends the tables.
"""

from django_tasks import task

from cases.models import CaseEvent, EventKind
from cases.statistics.figures import refresh_case

# Only these kinds can move a case to another row; notes, questions and messages cannot.
AFFECTING = frozenset({EventKind.CREATED, EventKind.TRANSITION, EventKind.CHANGE, EventKind.EXTENSION})


@task()
def figures_refresh(case_id: int) -> None:
    """Idempotent: running it twice, late or out of order leaves the figures equal to a GROUP BY."""
    refresh_case(case_id)


def on_case_event(event: CaseEvent) -> None:
    if event.kind in AFFECTING:
        figures_refresh.enqueue(event.case_id)
