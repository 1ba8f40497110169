"""Pre-aggregated figures for the dashboard and ``/stats/``, kept exact by ``cases.statistics.figures``.

Every case contributes to exactly one row of each table, by its *current* attributes: the day it
was received (Asia/Shanghai), its town (0 before one is assigned), its state and, once closed,
whether it closed on time and after how many days. ``CaseFigure`` remembers what each case
contributed last time, so a change moves one unit from the old row to the new one. The tables
therefore always equal a plain ``GROUP BY`` over the cases, in a few thousand rows instead of a
million.
"""

from __future__ import annotations

from django.db import models


class CaseFigure(models.Model):
    """What one case currently contributes to the aggregate tables."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, primary_key=True, related_name="+")
    day = models.DateField()
    town_id = models.PositiveIntegerField()
    state = models.CharField(max_length=16)
    channel = models.CharField(max_length=16)
    category = models.CharField(max_length=32)
    industry = models.CharField(max_length=32)
    on_time = models.BooleanField(null=True)
    close_days = models.PositiveIntegerField(null=True)

    class Meta:
        app_label = "cases"
        db_table = "cases_stat_case_figure"

    def __str__(self) -> str:
        return f"case {self.case_id}: {self.day} town {self.town_id} {self.state}"


class TownDayFigure(models.Model):
    """Cases received on ``day`` for ``town_id`` that are now in ``state``."""

    day = models.DateField()
    town_id = models.PositiveIntegerField()
    state = models.CharField(max_length=16)
    cases = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)

    class Meta:
        app_label = "cases"
        db_table = "cases_stat_town_day"
        constraints = [models.UniqueConstraint(fields=["day", "town_id", "state"], name="stat_town_day_key")]

    def __str__(self) -> str:
        return f"{self.day} town {self.town_id} {self.state}: {self.cases}"


class CloseDurationFigure(models.Model):
    """Closed cases received in the month starting ``day``, for ``town_id``, that took ``days`` days to close."""

    day = models.DateField()
    town_id = models.PositiveIntegerField()
    days = models.PositiveIntegerField()
    cases = models.IntegerField(default=0)

    class Meta:
        app_label = "cases"
        db_table = "cases_stat_close_duration"
        constraints = [models.UniqueConstraint(fields=["day", "town_id", "days"], name="stat_close_duration_key")]

    def __str__(self) -> str:
        return f"{self.day} town {self.town_id} {self.days} days: {self.cases}"


class BreakdownDayFigure(models.Model):
    """Cases received in the month starting ``day``, for ``town_id``, by channel, category or industry."""

    day = models.DateField()
    town_id = models.PositiveIntegerField()
    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=32)
    cases = models.IntegerField(default=0)

    class Meta:
        app_label = "cases"
        db_table = "cases_stat_breakdown_day"
        constraints = [
            models.UniqueConstraint(fields=["day", "town_id", "dimension", "value"], name="stat_breakdown_day_key")
        ]
        # One dimension over a period is an index-only scan (the dashboard reads three of them).
        indexes = [
            models.Index(
                fields=["dimension", "day"], include=["town_id", "value", "cases"], name="stat_breakdown_dim_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} town {self.town_id} {self.dimension}={self.value}: {self.cases}"
