"""(c) PostgreSQL restarts while texts keep arriving.

A text Twilio could not deliver to us gets a 5xx, so Twilio's fallback URL (and the sender's
retry) takes over; one we answered 200 is a case. Nothing in between: no half-stored report,
no answer without a case. Once PostgreSQL is back the same processes serve again at once, with
no restart (the pool checks a connection before handing it out).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass

import requests

from tests.resilience.client import Hotline, receipt_in
from tests.resilience.stack import PrivatePostgres, Stack, case_with_text, sql, tasks_drained, wait_until

# Longer than the pool's 10 s wait for a connection (config/env.py): shorter outages are simply
# waited out, and the requests then succeed.
OUTAGE_SECONDS = 12


@dataclass
class Sent:
    marker: str
    sid: str
    sender: str
    status: int


def text(hotline: Hotline, number: int) -> Sent:
    marker = f"pg-restart-{number:04d}"
    sid, sender = f"SMpg{number:028d}", f"+86135{number:08d}"
    try:
        reply = hotline.sms(sid=sid, sender=sender, body=f"配电箱漏电 {marker}", timeout=60)
    except requests.ConnectionError:
        return Sent(marker, sid, sender, 0)
    if reply.status_code == 200:
        assert receipt_in(reply.text), reply.text
    return Sent(marker, sid, sender, reply.status_code)


def test_texts_during_a_restart_are_stored_or_refused_with_5xx_and_the_service_recovers(
    stack: Stack, hotline: Hotline, private_postgres: PrivatePostgres, database_url: str
) -> None:
    pids = {name: process.pid for name, process in stack.processes.items()}
    numbers = itertools.count(1)
    sent: list[Sent] = []
    stop = threading.Event()

    def traffic() -> None:
        session = Hotline.at(hotline.base)
        while not stop.is_set():
            sent.append(text(session, next(numbers)))

    senders = [threading.Thread(target=traffic) for _ in range(3)]
    for sender in senders:
        sender.start()
    time.sleep(1)
    private_postgres.stop()
    time.sleep(OUTAGE_SECONDS)
    private_postgres.start()
    restarted = len(sent)
    time.sleep(3)
    stop.set()
    for sender in senders:
        sender.join(timeout=90)

    # No restart: every process of the service lived through the outage.
    assert {name: process.pid for name, process in stack.processes.items() if process.alive()} == pids
    assert {s.status for s in sent} <= {200, 500, 502, 503}, [s.status for s in sent]
    refused = [s for s in sent if s.status != 200]
    assert refused, "no text met the outage: the test did not test anything"
    # Recovered at once: once PostgreSQL was up again, only the requests already waiting may fail.
    late = [s for s in sent[restarted + len(senders) :] if s.status != 200]
    assert not late, late

    wait_until(lambda: tasks_drained(database_url), seconds=60, what="the workers to finish the intake")
    for answered in (s for s in sent if s.status == 200):
        assert case_with_text(database_url, answered.marker), f"{answered.marker} was answered but has no case"
    for failed in refused:
        assert case_with_text(database_url, failed.marker) is None, f"{failed.marker} was refused but stored"
        assert not sql(database_url, "SELECT 1 FROM hotline_twiliodelivery WHERE sid = %s", failed.sid)

    # Twilio's retry of every refused text now succeeds, each once.
    for failed in refused:
        again = hotline.sms(sid=failed.sid, sender=failed.sender, body=f"配电箱漏电 {failed.marker}")
        assert again.status_code == 200, again.text
    wait_until(lambda: tasks_drained(database_url), seconds=60, what="the workers to finish the retries")
    for failed in refused:
        assert case_with_text(database_url, failed.marker)
    reference = case_with_text(database_url, sent[-1].marker)
    accepted = hotline.staff(stack.tokens["dispatcher"], "POST", f"/api/v1/cases/{reference}/accept/", json={})
    assert accepted.status_code == 200, accepted.text
