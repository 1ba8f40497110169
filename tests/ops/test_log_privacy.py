"""Logs carry no personal data: the real intake, claim and reveal flows at DEBUG, every line grepped.

Phone numbers are searched in every way people and code write them; names, the ID number, the
bank account, the receipt and the password likewise. A hit names the logger that wrote it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cases import services
from cases.models import Case
from directory.models import Town
from tests.hotline.conftest import Post, twilio_post  # noqa: F401  (fixture)
from tests.ops.conftest import LogLines
from tests.rewards import flows
from tests.rewards.conftest import national_policy  # noqa: F401  (fixture)
from tests.rewards.helpers import valid_card, valid_id_number

SMS_PHONE = "13912345678"
SMS_NAME = "王小明"
WEB_PHONE = "13700002222"
WEB_NAME = "李建国"
STAFF_PHONE = "13600003333"
STAFF_NAME = "赵桂芳"
CLAIM_NAME = "陈志强"
STAFF_ID_NUMBER = valid_id_number("44060519850101234")
CLAIM_ID_NUMBER = valid_id_number()
ACCOUNT = valid_card()
PASSWORD = "Pw-unique-7731"


def spellings_of_phone(digits: str) -> list[str]:
    """How a mobile number appears in text: bare, +86, 0086, grouped 3-4-4 with spaces or dashes."""
    grouped = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
    return [digits, "+86" + digits, "0086" + digits, grouped, grouped.replace(" ", "-"), digits[3:]]


def spellings_of_receipt(receipt: str) -> list[str]:
    return [receipt, " ".join(receipt[i : i + 4] for i in range(0, 16, 4)), receipt[4:]]


def leaks(text: str, secrets: dict[str, list[str]]) -> dict[str, list[str]]:
    """Which secrets appear, with the log lines (trimmed) they appear in."""
    found: dict[str, list[str]] = {}
    for what, spellings in secrets.items():
        pattern = re.compile("|".join(re.escape(each) for each in spellings))
        lines = [line[:300] for line in text.splitlines() if pattern.search(line)]
        if lines:
            found[what] = lines
    return found


@pytest.mark.django_db
def test_the_full_flow_logs_no_personal_data(
    log_lines: LogLines,
    twilio_post: Post,  # noqa: F811
    users: dict[str, Any],
    town_a: Town,
    national_policy: Any,  # noqa: F811
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        # SMS: the sender's number, and a name and number in the text.
        body = f"我叫{SMS_NAME}，电话{SMS_PHONE[:3]}-{SMS_PHONE[3:7]}-{SMS_PHONE[7:]}，甲镇某厂消防通道被堵"
        sms = {
            "MessageSid": "SM" + "a1" * 16,
            "AccountSid": "AC" + "0" * 32,
            "From": "+86" + SMS_PHONE,
            "To": "+861069000000",
            "Body": body,
            "NumMedia": "0",
        }
        assert twilio_post("/hotline/twilio/sms/", sms).status_code == 200

        # Web mailbox, named, with a password; then the reporter looks it up (once with a wrong password).
        public = APIClient()
        web = {
            "category": "fire_safety",
            "description": "仓库消防通道被货物堵死",
            "anonymous": False,
            "name": WEB_NAME,
            "phone": f"{WEB_PHONE[:3]} {WEB_PHONE[3:7]} {WEB_PHONE[7:]}",
            "password": PASSWORD,
        }
        response = public.post("/api/v1/reports/", web, format="json")
        assert response.status_code == 201, response.json()
        receipt = response.json()["receipt"]
        assert public.post("/api/v1/reports/lookup/", {"receipt": receipt, "password": PASSWORD}).status_code == 200
        assert public.post("/api/v1/reports/lookup/", {"receipt": receipt, "password": "wrong"}).status_code == 404

        # Staff entry of a visit, with an ID number.
        staff = APIClient()
        staff.force_authenticate(users["intake"])
        visit = {
            "channel": "visit",
            "category": "machinery",
            "description": "冲床没有防护罩",
            "name": STAFF_NAME,
            "phone": STAFF_PHONE,
            "id_number": STAFF_ID_NUMBER,
        }
        assert staff.post("/api/v1/intake/", visit, format="json").status_code == 201

        # The web report is closed substantiated, its reward offered, and the reporter claims it.
        case = Case.objects.get(channel="web")
        case = services.case_accept(case=case, by=users["dispatcher"])
        case = services.case_assign(case=case, town=town_a, by=users["dispatcher"])
        case = services.case_start(case=Case.objects.get(pk=case.pk), by=users["officer"])
        services.case_findings_record(case=case, by=users["officer"], substantiated=True, hazard_level="ordinary")
        case = services.case_submit(case=Case.objects.get(pk=case.pk), by=users["officer"])
        services.case_close(case=Case.objects.get(pk=case.pk), by=users["town_supervisor"])
    with django_capture_on_commit_callbacks(execute=True):  # the reward is proposed after the close commits
        flows.offered(case.rewards.get(), users)
        claim = {
            "receipt": receipt,
            "password": PASSWORD,
            "name": CLAIM_NAME,
            "id_number": CLAIM_ID_NUMBER,
            "method": "bank",
            "bank_name": "中国工商银行",
            "account": ACCOUNT,
        }
        response = public.post("/api/v1/reports/claim/", claim, format="json")
        assert response.status_code == 201, response.json()

        # A supervisor reveals the SMS reporter's identity, through the API and the case page.
        sms_case = Case.objects.get(channel="sms")
        supervisor = APIClient()
        supervisor.force_authenticate(users["bureau_supervisor"])
        reveal = supervisor.post(f"/api/v1/cases/{sms_case.reference}/reveal/", {"reason": "核实举报人身份"})
        assert reveal.status_code == 200, reveal.json()
        assert SMS_PHONE in str(reveal.json())  # the reveal did show it: the check below is not vacuous
        page = Client()
        page.force_login(users["bureau_supervisor"])
        page.post(f"/cases/{sms_case.reference}/reveal/", {"reason": "回电核实"})

    assert len(log_lines.entries()) > 5  # the flows did log (tasks, reward handler, django.request 404)
    secrets = {
        "SMS sender / phone in text": spellings_of_phone(SMS_PHONE),
        "web reporter's phone": spellings_of_phone(WEB_PHONE),
        "staff-entered phone": spellings_of_phone(STAFF_PHONE),
        "names": [SMS_NAME, WEB_NAME, STAFF_NAME, CLAIM_NAME],
        "ID numbers": [STAFF_ID_NUMBER, CLAIM_ID_NUMBER],
        "bank account": [ACCOUNT, ACCOUNT[-8:]],
        "receipt": spellings_of_receipt(receipt),
        "password": [PASSWORD],
        "report text": [body, "消防通道被堵"],
    }
    assert leaks(log_lines.text, secrets) == {}


def test_the_grep_finds_each_spelling() -> None:
    """Guards the search itself: a leak written in any of these forms is caught."""
    text = "\n".join(["to +8613912345678", "call 139-1234-5678", "sent 139 1234 5678", "receipt 1234 5678 9012 3456"])
    found = leaks(text, {"phone": spellings_of_phone(SMS_PHONE), "receipt": spellings_of_receipt("1234567890123456")})
    assert len(found["phone"]) == 3 and len(found["receipt"]) == 1
