"""(d) The Twilio API answers 500 or does not answer at all.

Outbound texts retry with back-off (1 s, 2 s, … here) and end ``sent``, or after
``NOTIFY_MAX_ATTEMPTS`` (3 here) ``failed`` with a ``message`` event on the case that staff see —
never silently lost.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.twilio_api import FakeTwilio
from tests.resilience.client import Hotline
from tests.resilience.stack import Stack, case_with_text, sql, tasks_drained, wait_until

# The client gives Twilio 10 s (config/twilio.py); a stall a little longer is a time-out.
STALL_SECONDS = 11


@pytest.fixture
def short_stalls(twilio_api: FakeTwilio) -> Iterator[None]:
    before = twilio_api.stall_seconds
    twilio_api.stall_seconds = STALL_SECONDS
    yield
    twilio_api.stall_seconds = before


def accepted_case(stack: Stack, hotline: Hotline, database_url: str, *, sender: str, marker: str) -> str:
    """A texted report, accepted by the dispatcher once its intake tasks are done: the decision text is due."""
    sid = "SM" + marker.encode().hex()[:32].ljust(32, "0")
    reply = hotline.sms(sid=sid, sender=sender, body=f"车间粉尘超标 {marker}")
    assert reply.status_code == 200, reply.text
    reference = str(wait_until(lambda: case_with_text(database_url, marker), seconds=30, what=f"the case of {marker}"))
    wait_until(lambda: tasks_drained(database_url), seconds=60, what="the intake tasks to finish")
    return reference


def accept(stack: Stack, hotline: Hotline, reference: str) -> None:
    response = hotline.staff(stack.tokens["dispatcher"], "POST", f"/api/v1/cases/{reference}/accept/", json={})
    assert response.status_code == 200, response.text


def decision_text(database_url: str, reference: str) -> tuple[str, int, str] | None:
    rows = sql(
        database_url,
        "SELECT m.status, m.attempts, m.last_error FROM notifications_outboundmessage m"
        " JOIN cases_case c ON c.id = m.case_id WHERE c.reference = %s AND m.purpose = 'decision'",
        reference,
    )
    return rows[0] if rows else None


def posts_to(twilio_api: FakeTwilio, number: str) -> int:
    return sum(1 for message in twilio_api.sent_messages() if message["To"] == number)


def test_a_text_refused_with_500_and_then_timed_out_is_sent_on_the_third_attempt(
    stack: Stack, hotline: Hotline, twilio_api: FakeTwilio, database_url: str, short_stalls: None
) -> None:
    sender = "+8613600000001"
    reference = accepted_case(stack, hotline, database_url, sender=sender, marker="twilio-flaky")
    twilio_api.fail_next(1, "500")
    twilio_api.fail_next(1, "stall")
    accept(stack, hotline, reference)

    def settled() -> tuple[str, int, str] | None:
        found = decision_text(database_url, reference)
        return found if found and found[0] not in {"queued", "sending", "retrying"} else None

    status, attempts, _error = wait_until(settled, seconds=60, what="the decision text to settle")
    assert (status, attempts) == ("sent", 3)
    assert posts_to(twilio_api, sender) == 3


def test_a_text_twilio_keeps_refusing_is_marked_failed_on_the_case(
    stack: Stack, hotline: Hotline, twilio_api: FakeTwilio, database_url: str
) -> None:
    sender = "+8613600000002"
    reference = accepted_case(stack, hotline, database_url, sender=sender, marker="twilio-down")
    twilio_api.fail_next(3, "500")
    accept(stack, hotline, reference)

    def settled() -> tuple[str, int, str] | None:
        found = decision_text(database_url, reference)
        return found if found and found[0] not in {"queued", "sending", "retrying"} else None

    status, attempts, error = wait_until(settled, seconds=60, what="the decision text to settle")
    assert (status, attempts) == ("failed", 3)
    assert "500" in error
    assert posts_to(twilio_api, sender) == 3
    # Staff see it on the case: its timeline carries the failed message.
    detail = hotline.staff(stack.tokens["dispatcher"], "GET", f"/api/v1/cases/{reference}/")
    assert detail.status_code == 200, detail.text
    failures = [entry for entry in detail.json()["timeline"] if entry["kind"] == "message"]
    assert [(entry["name"], entry["changes"]["status"]) for entry in failures] == [("failed", "failed")]
