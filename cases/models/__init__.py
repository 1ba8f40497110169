from cases.models.calendar import CalendarDay, CalendarYear
from cases.models.case import AccidentGrade, Attachment, Case, CaseReporter, Category, Channel, HazardLevel, State
from cases.models.event import CaseEvent, EventKind, IdentityAccess
from cases.models.reporter import Reporter
from cases.statistics.models import BreakdownDayFigure, CaseFigure, CloseDurationFigure, TownDayFigure

__all__ = [
    "AccidentGrade",
    "Attachment",
    "BreakdownDayFigure",
    "CalendarDay",
    "CalendarYear",
    "Case",
    "CaseEvent",
    "CaseFigure",
    "CaseReporter",
    "Category",
    "Channel",
    "CloseDurationFigure",
    "EventKind",
    "HazardLevel",
    "IdentityAccess",
    "Reporter",
    "State",
    "TownDayFigure",
]
