from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    REFERRED = "referred", _("Referred")
    MERGED = "merged", _("Merged")
    ASSIGNED = "assigned", _("Assigned")
    INVESTIGATING = "investigating", _("Investigating")
    IN_REVIEW = "in_review", _("In review")
    CLOSED = "closed", _("Closed")


OPEN_STATES = frozenset({State.RECEIVED, State.ACCEPTED, State.ASSIGNED, State.INVESTIGATING, State.IN_REVIEW})
FINAL_STATES = frozenset({State.REJECTED, State.REFERRED, State.MERGED, State.CLOSED})
TOWN_VISIBLE_STATES = frozenset({State.ASSIGNED, State.INVESTIGATING, State.IN_REVIEW, State.CLOSED})
