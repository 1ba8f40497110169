from __future__ import annotations

from django_filters import rest_framework as filters
from rest_framework import generics, serializers

from directory import selectors
from directory.models import Enterprise, Industry, Park, SafetyGrade, Town
from directory.permissions import IsStaffMember
from directory.validators import validate_credit_code


class TownOutput(serializers.ModelSerializer[Town]):
    class Meta:
        model = Town
        fields = ["id", "code", "name", "name_en", "sms_keywords", "ivr_digit", "duty_phone"]


class EnterpriseOutput(serializers.ModelSerializer[Enterprise]):
    town: serializers.SlugRelatedField[Town] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    park: serializers.StringRelatedField[Park] = serializers.StringRelatedField(allow_null=True)
    high_risk = serializers.BooleanField(read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "address", "town", "park", "industry", "high_risk", "safety_grade"]


class EnterpriseFilter(filters.FilterSet):
    town = filters.ModelChoiceFilter(queryset=Town.objects.all())
    industry = filters.ChoiceFilter(choices=Industry.choices)
    safety_grade = filters.ChoiceFilter(choices=SafetyGrade.choices)
    q = filters.CharFilter(method="search", max_length=100)
    credit_code = filters.CharFilter(validators=[validate_credit_code])

    class Meta:
        model = Enterprise
        fields = ["town", "industry", "safety_grade"]

    def search(self, queryset, name, value):  # type: ignore[no-untyped-def]
        return queryset.filter(name__icontains=value)


class TownListApi(generics.ListAPIView[Town]):
    permission_classes = [IsStaffMember]
    serializer_class = TownOutput
    pagination_class = None

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.town_list()


class EnterpriseListApi(generics.ListAPIView[Enterprise]):
    permission_classes = [IsStaffMember]
    serializer_class = EnterpriseOutput
    filterset_class = EnterpriseFilter

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.enterprise_list()


class EnterpriseDetailApi(generics.RetrieveAPIView[Enterprise]):
    permission_classes = [IsStaffMember]
    serializer_class = EnterpriseOutput

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.enterprise_list()
