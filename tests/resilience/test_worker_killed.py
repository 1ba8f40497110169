"""(b) A db_worker is killed (SIGKILL) in the middle of a task.

django_tasks_db leaves the dead worker's row RUNNING; the reaper (notifications/services/reaper.py)
fails it after ``TASK_LEASE_SECONDS`` (4 s here) and enqueues it again, and another worker runs it.
The reporter must notice nothing: the voicemail is kept once and the receipt text arrives once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.twilio_api import FakeTwilio
from tests.resilience.client import Hotline, receipt_in
from tests.resilience.stack import Stack, case_with_text, sql, tasks_drained, wait_until

CALLER = "+8613700000001"
RECORDING = "/2010-04-01/Accounts/AC/Recordings/RE00000000000000000000000000000b01"


@pytest.fixture
def stalled_recording(twilio_api: FakeTwilio) -> Iterator[set[str]]:
    """Paths whose GET the fake Twilio API accepts and then never answers (the worker hangs in the download)."""
    stalled: set[str] = set()
    original: Any = twilio_api.server.RequestHandlerClass

    class Stalling(original):  # type: ignore[misc,valid-type]
        def do_GET(self) -> None:  # noqa: N802  # the name http.server calls
            path = self.path.split("?")[0]
            if path in stalled:
                self._record({})
                time.sleep(twilio_api.stall_seconds)
                return
            super().do_GET()

    twilio_api.server.RequestHandlerClass = Stalling
    yield stalled
    twilio_api.server.RequestHandlerClass = original


def requests_to(twilio_api: FakeTwilio, method: str, path_end: str, **form: str) -> int:
    return sum(
        1
        for r in twilio_api.requests
        if r.method == method
        and r.path.endswith(path_end)
        and all(r.form.get(key, [""])[0] == value for key, value in form.items())
    )


def worker_killed_while(stack: Stack, busy: Any) -> None:
    """SIGKILL the only worker once ``busy()`` says it is in the middle of its task; start a fresh one."""
    wait_until(busy, seconds=30, what="the worker to be in the middle of the task")
    stack.processes["worker-1"].kill()
    stack.start_worker("worker-1")


def test_a_task_whose_worker_was_killed_runs_again_and_texts_the_receipt_once(
    stack: Stack, hotline: Hotline, twilio_api: FakeTwilio, stalled_recording: set[str], database_url: str
) -> None:
    stalled_recording.add(RECORDING)
    recording_url = twilio_api.serve_media(RECORDING, b"ID3" + b"\x00" * 2048, "audio/mpeg")
    reply = hotline.voicemail(call_sid="CA" + "b" * 32, caller=CALLER, recording_url=recording_url)
    assert reply.status_code == 200, reply.text

    worker_killed_while(stack, lambda: requests_to(twilio_api, "GET", RECORDING) == 1)
    stalled_recording.clear()  # the next download of the recording succeeds

    def stored() -> bool:
        rows = sql(database_url, "SELECT status, attachment_id FROM hotline_remotemedia WHERE url = %s", recording_url)
        return rows == [("stored", rows[0][1])] and rows[0][1] is not None

    wait_until(stored, seconds=60, what="the recording to be kept after the worker died")
    wait_until(lambda: tasks_drained(database_url), seconds=60, what="the task queue to drain")
    [(attachments,)] = sql(
        database_url,
        "SELECT count(*) FROM cases_attachment a JOIN hotline_remotemedia m ON m.case_id = a.case_id WHERE m.url = %s",
        recording_url,
    )
    assert attachments == 1
    assert requests_to(twilio_api, "GET", RECORDING) == 2
    [(reaped,)] = sql(
        database_url,
        "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE task_path = 'hotline.tasks.media_fetch'"
        " AND exception_class_path LIKE %s",
        "%WorkerLost",
    )
    assert reaped == 1
    receipts = [m for m in twilio_api.sent_messages() if m["To"] == CALLER]
    assert len(receipts) == 1, receipts
    assert receipt_in(receipts[0]["Body"])


def test_a_worker_killed_while_texting_never_texts_twice_and_leaves_the_message_for_staff(
    stack: Stack, hotline: Hotline, twilio_api: FakeTwilio, database_url: str
) -> None:
    sender = "+8613700000002"
    reply = hotline.sms(sid="SM" + "b" * 32, sender=sender, body="仓库里堆放了大量易燃物 killed-while-texting")
    assert reply.status_code == 200, reply.text
    reference = wait_until(
        lambda: case_with_text(database_url, "killed-while-texting"),
        seconds=30,
        what="the case",
    )
    wait_until(lambda: tasks_drained(database_url), seconds=60, what="the intake tasks to finish")
    twilio_api.fail_next(1, "stall")
    accepted = hotline.staff(stack.tokens["dispatcher"], "POST", f"/api/v1/cases/{reference}/accept/", json={})
    assert accepted.status_code == 200, accepted.text

    worker_killed_while(stack, lambda: requests_to(twilio_api, "POST", "/Messages.json", To=sender) == 1)
    time.sleep(3 * int(stack.env["TASK_LEASE_SECONDS"]))  # several reaper rounds
    wait_until(lambda: tasks_drained(database_url), seconds=60, what="the task queue to drain")

    # At most once: Twilio may have taken the unanswered request, so the text is not sent again...
    assert requests_to(twilio_api, "POST", "/Messages.json", To=sender) == 1
    # ...and the message is not lost silently: the outbox shows it was left in the middle of sending.
    statuses = sql(
        database_url,
        "SELECT m.status FROM notifications_outboundmessage m JOIN cases_case c ON c.id = m.case_id"
        " WHERE c.reference = %s AND m.purpose = 'decision'",
        reference,
    )
    assert statuses == [("sending",)]
