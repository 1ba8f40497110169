"""Public mailbox API (receipt + password, no account) and the staff entry API.

Interfaces only: parse, call one service, format.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.models import Category, Channel
from cases.receipts import format_receipt
from config.serializers import LeanSerializer
from directory.access import access_for
from directory.models import Enterprise, Role, Town
from hotline.access import address_key, case_for_reporter, throttle
from hotline.selectors import report_status
from hotline.services.common import towns_for_keywords
from hotline.services.mailbox import (
    ReporterDetails,
    Stored,
    Upload,
    WrittenReport,
    files_not_kept_message,
    mailbox_submit,
    report_followup,
    report_submit,
)

PARSERS = [JSONParser, MultiPartParser, FormParser]
STAFF_CHANNELS = [Channel.LETTER, Channel.VISIT, Channel.OPERATOR_CALL]


def uploads_from(request: Request) -> list[Upload]:
    return [Upload(name=f.name or "", content=f.read()) for f in request.FILES.getlist("files")]


class TownCodeField(serializers.CharField):
    """A town by its code, from the towns the process keeps (no query per report; see ``towns_for_keywords``)."""

    def to_internal_value(self, data: Any) -> Town:  # type: ignore[override]  # a Town where CharField gives str
        code = super().to_internal_value(data)
        for town in towns_for_keywords():
            if town.code == code:
                return town
        raise serializers.ValidationError(_("No town has the code “%(code)s”.") % {"code": code[:40]}, code="unknown")

    def to_representation(self, value: Any) -> str:
        return str(value.code)


class ReportInput(LeanSerializer):
    category = serializers.ChoiceField(choices=Category.choices, default=Category.OTHER)
    description = serializers.CharField(max_length=20_000, trim_whitespace=False)
    town = TownCodeField(required=False, allow_null=True, help_text="Town code; leave empty if unknown.")
    enterprise = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), required=False, allow_null=True, help_text="From the enterprise register."
    )
    enterprise_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    anonymous = serializers.BooleanField(default=True)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(choices=["zh-hans", "en"], default="zh-hans")
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        write_only=True,
        help_text="Up to 10 photos, videos, recordings or PDFs (multipart only).",
    )


class MailboxInput(ReportInput):
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, help_text="Chosen by the reporter; with the receipt it opens the report."
    )


class ReceiptOutput(serializers.Serializer[Any]):
    receipt = serializers.CharField()
    receipt_formatted = serializers.CharField()
    message = serializers.CharField()


def written_report(data: dict[str, Any]) -> WrittenReport:
    return WrittenReport(
        description=data["description"],
        category=data["category"],
        town=data.get("town"),
        enterprise=data.get("enterprise"),
        enterprise_name=data["enterprise_name"],
        address=data["address"],
    )


def reporter_details(data: dict[str, Any]) -> ReporterDetails:
    return ReporterDetails(
        anonymous=data["anonymous"],
        name=data["name"],
        phone=data["phone"],
        email=data["email"],
        id_number=data.get("id_number", ""),
        language=data["language"],
    )


def receipt_body(stored: Stored) -> dict[str, str]:
    message = _(
        "Write this receipt down now: it is shown only once. With it and your password "
        "you can follow your report, answer questions and claim a reward."
    )
    if stored.files_not_kept:
        message = f"{message} {files_not_kept_message(stored.files_not_kept)}"
    return {"receipt": stored.receipt, "receipt_formatted": format_receipt(stored.receipt), "message": message}


class PublicApi(APIView):
    """No account, no session: the receipt and password are the credentials, so no CSRF applies."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    parser_classes = PARSERS


class ReportSubmitApi(PublicApi):
    @extend_schema(request=MailboxInput, responses={201: ReceiptOutput}, auth=[])
    def post(self, request: Request) -> Response:
        throttle("mailbox_address", address_key(request))
        given = MailboxInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        stored = mailbox_submit(
            report=written_report(data),
            reporter=reporter_details(data),
            password=data["password"],
            uploads=uploads_from(request),
        )
        return Response(receipt_body(stored), status=status.HTTP_201_CREATED)


class ReceiptInput(LeanSerializer):
    receipt = serializers.CharField(max_length=40)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class EntryOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    at = serializers.DateTimeField()
    answered = serializers.BooleanField()


class StatusOutput(serializers.Serializer[Any]):
    state = serializers.CharField()
    state_label = serializers.CharField()
    received_at = serializers.DateTimeField()
    result = serializers.CharField()
    entries = EntryOutput(many=True)
    open_questions = EntryOutput(many=True)


class ReportLookupApi(PublicApi):
    @extend_schema(request=ReceiptInput, responses={200: StatusOutput}, auth=[])
    def post(self, request: Request) -> Response:
        given = ReceiptInput(data=request.data)
        given.is_valid(raise_exception=True)
        case = case_for_reporter(request, given.validated_data["receipt"], given.validated_data["password"])
        return Response(StatusOutput(report_status(case)).data)


class FollowupInput(ReceiptInput):
    text = serializers.CharField(max_length=20_000, required=False, allow_blank=True, default="", trim_whitespace=False)
    question = serializers.IntegerField(required=False, allow_null=True, help_text="Id of the question answered.")
    files = serializers.ListField(child=serializers.FileField(), required=False, write_only=True)


class ReportFollowupApi(PublicApi):
    @extend_schema(request=FollowupInput, responses={201: StatusOutput}, auth=[])
    def post(self, request: Request) -> Response:
        given = FollowupInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        case = case_for_reporter(request, data["receipt"], data["password"])
        report_followup(case=case, text=data["text"], uploads=uploads_from(request), question_id=data.get("question"))
        return Response(StatusOutput(report_status(case)).data, status=status.HTTP_201_CREATED)


class MayEnterReports(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return access_for(request.user).has_bureau_role(Role.INTAKE, Role.DISPATCHER, Role.BUREAU_SUPERVISOR)


class StaffEntryInput(ReportInput):
    channel = serializers.ChoiceField(choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    anonymous = serializers.BooleanField(default=False)
    id_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    password = serializers.CharField(
        max_length=128,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="Optional: agreed with the reporter.",
    )


class StaffEntryOutput(ReceiptOutput):
    reference = serializers.CharField()


class StaffEntryApi(APIView):
    """Letters, visits and operator-taken calls, entered on the reporter's behalf (channel recorded)."""

    permission_classes = [MayEnterReports]
    parser_classes = PARSERS

    @extend_schema(request=StaffEntryInput, responses={201: StaffEntryOutput})
    def post(self, request: Request) -> Response:
        given = StaffEntryInput(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        new = report_submit(
            report=written_report(data),
            reporter=reporter_details(data),
            password=data["password"],
            uploads=uploads_from(request),
            channel=data["channel"],
            password_required=False,
            entered_by=request.user,
        )
        return Response(
            {**receipt_body(Stored(receipt=new.receipt)), "reference": new.case.reference},
            status=status.HTTP_201_CREATED,
        )
