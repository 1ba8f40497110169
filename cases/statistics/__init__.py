"""Bureau statistics: exact pre-aggregated figures, the dashboard's reads, and case exports.

The tables (``cases.statistics.models``) are registered through ``cases.models``; the upkeep is
switched on by ``CasesConfig.ready`` calling ``install()``.
"""

from __future__ import annotations


def install() -> None:
    """Keep the figures current: recount a case after every one of its events (idempotent)."""
    # Imported here, not at the top: this package is imported while apps load, before models may be.
    from cases import events  # noqa: PLC0415
    from cases.statistics.handlers import on_case_event  # noqa: PLC0415

    events.subscribe(on_case_event)
