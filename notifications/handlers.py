"""What this app does with each committed case event (registered in ``NotificationsConfig.ready``).

The live streams hear of an event in the committing process, right after commit (fast; a socket
that missed it replays it from the event table). Texts and mails are durable reactions run by the
task worker, each retried on its own, at least once: ``message_send`` dedupes them per event and
recipient, so a re-run never sends the same message twice.
"""

from __future__ import annotations

from cases.models import CaseEvent
from notifications.services.reporter_updates import event_notify_reporters
from notifications.services.staff_mail import event_notify_staff
from notifications.streams import event_publish


def publish_to_live_streams(event: CaseEvent) -> None:
    event_publish(event)


def text_the_reporters(event: CaseEvent) -> None:
    event_notify_reporters(event)


def mail_the_staff(event: CaseEvent) -> None:
    event_notify_staff(event)


DURABLE = (text_the_reporters, mail_the_staff)
