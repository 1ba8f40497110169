"""Bureau statistics: exact pre-aggregated daily figures, the dashboard's reads, and case exports.

Wiring (one line in ``CasesConfig.ready``): ``from cases.statistics import install; install()``.
"""

from __future__ import annotations


def install() -> None:
    """Register the figures' tables and keep them current on every case event."""
    # Imported here, not at the top: this package is imported while apps load, before models may be.
    from cases import events  # noqa: PLC0415
    from cases.statistics import models  # noqa: F401, PLC0415  (registers the tables with the app registry)
    from cases.statistics.figures import on_case_event  # noqa: PLC0415

    events.subscribe(on_case_event)
