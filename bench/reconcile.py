#!/usr/bin/env python
"""Prove a bench/load.py run lost nothing: its request log, socket log and Twilio log against the database.

    .venv/bin/python bench/reconcile.py var/load/<run>

Checks, each printed with its count; the exit status is 1 if any fails:

1. every accepted report (SMS and voicemail 200, mailbox 201) is exactly one case, and the cases
   are exactly those reports: its text hashes to the checksum the generator logged, a mailbox
   report's photo is its one attachment (same SHA-256), a voicemail's recording is stored;
2. every accepted report's reply carried a receipt, and it is that case's receipt;
3. no refused report (4xx/5xx) left a case behind; one that got no answer in time is at most one case;
4. every websocket saw every event recorded after it subscribed (the bureau stream is all events),
   each once;
5. every outbound text marked sent reached the (fake) Twilio API exactly once, and nothing else did.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(run: Path) -> None:
    """The settings the run's service had: same database and the same keys (receipt index)."""
    from tests.resilience.stack import production_env  # noqa: PLC0415

    used = json.loads((run / "summary.json").read_text())["env"]
    env = production_env(
        database_url=used["DATABASE_URL"], redis_url=used["REDIS_URL"], twilio_base="", web_port=0, LOG_LEVEL="ERROR"
    )
    os.environ.update(env)
    import django  # noqa: PLC0415

    django.setup()


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class Report:
    def __init__(self) -> None:
        self.failures = 0

    def check(self, what: str, problems: list[str], checked: int) -> None:
        print(f"{'ok  ' if not problems else 'FAIL'} {what}: {checked} checked, {len(problems)} wrong")
        for problem in problems[:10]:
            print(f"       {problem}")
        self.failures += bool(problems)


ACCEPTED = {"sms": 200, "voice": 200, "mailbox": 201}


def case_of(request: dict[str, Any], wrong: list[str]) -> Any:
    """The one case an accepted report became, noting on ``wrong`` what differs from what was sent."""
    from cases.models import Attachment, Case  # noqa: PLC0415
    from hotline.models import RemoteMedia  # noqa: PLC0415

    if request["kind"] == "voice":
        media = RemoteMedia.objects.filter(url=request["recording_url"]).select_related("case").first()
        if media is not None and (media.status != RemoteMedia.Status.STORED or media.attachment_id is None):
            wrong.append(f"voicemail {request['sid']}: recording {media.status}")
        return media.case if media else None
    cases = list(Case.objects.filter(description__contains=request["marker"]))
    if len(cases) != 1:
        wrong.append(f"{request['marker']}: {len(cases)} cases")
        return None
    case = cases[0]
    if hashlib.sha256(case.description.encode()).hexdigest() != request["checksum"]:
        wrong.append(f"{request['marker']}: stored text differs from the text sent")
    if request["photo_sha256"]:
        photos = list(Attachment.objects.filter(case=case).values_list("sha256", flat=True))
        if photos != [request["photo_sha256"]]:
            wrong.append(f"{request['marker']}: attachments {photos} instead of the photo sent")
    return case


def check_reports(report: Report, requests: list[dict[str, Any]]) -> None:
    from cases.models import Case  # noqa: PLC0415
    from cases.receipts import receipt_index  # noqa: PLC0415

    intake = [r for r in requests if r["kind"] in ACCEPTED]
    accepted = [r for r in intake if r["status"] == ACCEPTED[r["kind"]]]
    # No answer before the generator gave up: stored or not, the sender does not know (Twilio would
    # retry with the same id and get the same receipt); each may be one case at most.
    unanswered = [r for r in intake if r["status"] == 0]
    refused = [r for r in intake if r["status"] not in {0, ACCEPTED[r["kind"]]}]
    wrong: list[str] = []
    receipts_wrong: list[str] = []
    matched: set[int] = set()
    for request in accepted:
        case = case_of(request, wrong)
        if case is None:
            wrong.append(f"{request['kind']} {request['marker'] or request['sid']}: answered but no case")
            continue
        matched.add(case.pk)
        if not request["receipt"] or case.receipt_index != receipt_index(request["receipt"]):
            receipts_wrong.append(f"{case.reference}: reply receipt {request['receipt']!r} is not the case's")
    stored_anyway = 0
    for request in unanswered:
        unknown: list[str] = []
        case = case_of(request, unknown)
        if case is not None:
            matched.add(case.pk)
            stored_anyway += 1
        wrong += [problem for problem in unknown if not problem.endswith(": 0 cases")]
    print(f"     {len(unanswered)} reports unanswered within the time-out, {stored_anyway} of them stored")
    extra = Case.objects.exclude(pk__in=matched).count()
    if extra:
        wrong.append(f"{extra} cases no accepted request accounts for")
    report.check("accepted reports = cases, content checksums match", wrong, len(accepted))
    report.check("every reply carried the case's receipt", receipts_wrong, len(accepted))
    left = [r["marker"] for r in refused if r["marker"] and Case.objects.filter(description__contains=r["marker"])]
    report.check("refused reports left no case", left, len(refused))


def check_sockets(report: Report, sockets: list[dict[str, Any]]) -> None:
    from cases.models import CaseEvent  # noqa: PLC0415

    since = min((s["since"] for s in sockets), default=0)
    events = set(CaseEvent.objects.filter(pk__gt=since).values_list("pk", flat=True))
    missing = []
    for socket in sockets:
        seen = Counter(socket["ids"])
        lost, twice = events - set(seen), [pk for pk, count in seen.items() if count > 1]
        if lost or twice:
            missing.append(f"socket {socket['socket']}: {len(lost)} events missed, {len(twice)} twice")
    report.check(f"every socket saw each of the {len(events)} events once", missing, len(sockets))


def check_texts(report: Report, twilio_log: list[dict[str, Any]]) -> None:
    from notifications.models import DeliveryStatus, MessageChannel, OutboundMessage  # noqa: PLC0415

    posted = Counter(
        (r["form"]["To"][0], r["form"]["Body"][0])
        for r in twilio_log
        if r["method"] == "POST" and r["path"].endswith("/Messages.json")
    )
    texts = OutboundMessage.objects.filter(channel=MessageChannel.SMS)
    wrong = []
    expected: Counter[tuple[str, str]] = Counter()
    for message in texts:
        key = (message.to, message.body)
        if message.status in {DeliveryStatus.SENT, DeliveryStatus.DELIVERED}:
            expected[key] += 1
            if posted[key] != 1:
                wrong.append(f"message {message.pk} ({message.purpose}): posted {posted[key]} times")
        elif message.status != DeliveryStatus.SUPPRESSED:
            wrong.append(f"message {message.pk} ({message.purpose}) ended {message.status}")
    strays = sum((posted - expected).values())
    if strays:
        wrong.append(f"{strays} texts posted to Twilio that no sent message accounts for")
    report.check("every outbound text sent exactly once", wrong, texts.count())


def reconcile(run: Path) -> int:
    setup_django(run)
    report = Report()
    check_reports(report, jsonl(run / "requests.jsonl"))
    check_sockets(report, jsonl(run / "sockets.jsonl"))
    check_texts(report, jsonl(run / "twilio.jsonl"))
    return 1 if report.failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a run directory bench/load.py wrote (var/load/<run>)")
    run = parser.parse_args().run
    if not (run / "summary.json").is_file():
        parser.error(f"{run} holds no summary.json: not a finished bench/load.py run")
    return reconcile(run)


if __name__ == "__main__":
    sys.exit(main())
