from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from cases.models import Case, Category, Channel, State
from directory.models import Enterprise, Town


class CaseFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=State.choices)
    channel = filters.MultipleChoiceFilter(choices=Channel.choices)
    category = filters.MultipleChoiceFilter(choices=Category.choices)
    town = filters.ModelChoiceFilter(queryset=Town.objects.all())
    enterprise = filters.ModelChoiceFilter(queryset=Enterprise.objects.all())
    overdue = filters.ChoiceFilter(
        choices=[("true", _("overdue")), ("false", _("not overdue"))], method="filter_overdue", label=_("overdue")
    )
    received_after = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    received_before = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")
    q = filters.CharFilter(method="search", max_length=200, label=_("text search"))
    ordering = filters.OrderingFilter(fields=(("created_at", "created_at"), ("due_date", "due_date")))

    class Meta:
        model = Case
        fields: list[str] = []

    def filter_overdue(self, cases: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        late = Q(due_date__lt=timezone.localdate())
        return cases.filter(late) if value == "true" else cases.exclude(late)

    def search(self, cases: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        text = value.strip()
        return cases.filter(
            Q(reference__iexact=text)
            | Q(description__icontains=text)
            | Q(enterprise_name__icontains=text)
            | Q(address__icontains=text)
        )

    def filter_queryset(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        # Validate date ranges as a pair so a reversed range names both fields.
        after, before = self.form.cleaned_data.get("received_after"), self.form.cleaned_data.get("received_before")
        if after and before and after > before:
            message = _("The start of the date range is after its end.")
            raise ValidationError({"received_after": [message], "received_before": [message]})
        return super().filter_queryset(queryset)
