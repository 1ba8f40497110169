"""What this app does with each committed case event (registered in ``NotificationsConfig.ready``).

Three handlers rather than one: ``cases.events`` isolates their failures, so a mail problem
never keeps an event from the live streams.
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


HANDLERS = (publish_to_live_streams, text_the_reporters, mail_the_staff)
