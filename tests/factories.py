"""factory_boy factories for the domain; personas live in conftest.py."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from cases.models import Case, Channel, Reporter
from cases.receipts import new_receipt, receipt_index
from directory.demo import make_credit_code
from directory.models import Enterprise, Industry, Membership, SafetyGrade, Town


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Town
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"town{n}")
    name = factory.Sequence(lambda n: f"测试镇{n}")
    name_en = factory.Sequence(lambda n: f"Town {n}")
    sms_keywords = factory.LazyAttribute(lambda t: [t.code.upper()])


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"测试企业{n}有限公司")
    credit_code = factory.Sequence(lambda n: make_credit_code(__import__("random").Random(n)))
    address = "佛山市南海区测试路1号"
    town = factory.SubFactory(TownFactory)
    industry = Industry.HAZARDOUS_CHEMICALS
    safety_grade = SafetyGrade.C


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@hotline.invalid")
    password = factory.django.Password("pw")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)


class ReporterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reporter

    name = "张三"
    phone = "+8613812341234"


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    channel = Channel.WEB
    category = "fire_safety"
    description = "消防通道被堵塞"
    reporter = factory.SubFactory(ReporterFactory)
    receipt_index = factory.LazyFunction(lambda: receipt_index(new_receipt()))
