"""When 0 in the IVR rings the duty line: configured hours on working days of the Chinese calendar."""

from __future__ import annotations

from datetime import datetime

from cases.workdays import calendar
from hotline import conf


def duty_line_open(now: datetime) -> bool:
    if not calendar().is_workday(now.date()):
        return False
    return any(start <= now.time() < end for start, end in conf.office_hours())
