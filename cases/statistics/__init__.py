"""Bureau statistics: exact pre-aggregated daily figures, the dashboard's reads, and case exports.

Wiring (one line in ``CasesConfig.ready``): ``from cases.statistics import install; install()``.
"""

from __future__ import annotations


def install() -> None:
    """Register the figures' tables and keep them current on every case event."""
    from cases import events
    from cases.statistics import models  # noqa: F401  (registers the tables with the app registry)
    from cases.statistics.figures import on_case_event

    events.subscribe(on_case_event)
