"""Writes of the notifications app: the outbox, delivery state, reporter preferences, tickets."""

from notifications.services.messages import (
    delivery_status_record,
    message_send,
    reporter_opt_out,
)

__all__ = ["delivery_status_record", "message_send", "reporter_opt_out"]
