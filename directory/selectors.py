from __future__ import annotations

from django.db.models import QuerySet

from directory.models import Enterprise, Town


def town_list() -> QuerySet[Town]:
    return Town.objects.all()


def enterprise_list() -> QuerySet[Enterprise]:
    return Enterprise.objects.select_related("town", "park")
