"""Panels that apps above ``cases`` add to the bureau dashboard, for the dashboard's own filters.

As with ``monthly_report.register_section``: ``cases`` never imports those apps (rewards adds its
offered / claimed / paid figures and budget used); they register a builder from ``AppConfig.ready``
and the dashboard renders each builder's template with the context it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cases.statistics.selectors import Period


@dataclass(frozen=True)
class DashboardPanel:
    template: str
    context: dict[str, Any]


# (user, period, town id or None for all towns) -> a panel, or None when the user may not see it.
PanelBuilder = Callable[[Any, Period, int | None], DashboardPanel | None]
_panels: dict[str, PanelBuilder] = {}


def register_panel(name: str, builder: PanelBuilder) -> None:
    """Add a panel to the dashboard; registering the same name again replaces the builder."""
    _panels[name] = builder


def dashboard_panels(user: Any, period: Period, town_id: int | None) -> list[DashboardPanel]:
    """The registered panels this user may see, in registration order."""
    built = (build(user, period, town_id) for build in _panels.values())
    return [panel for panel in built if panel is not None]
