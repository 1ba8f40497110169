"""Reactions to case events: a case closed substantiated gets its reward proposed.

A durable handler (run by the task worker, at least once): ``reward_propose_for_case`` proposes
nothing for a case that already has a reward, so a retried or re-run dispatch proposes once.
"""

from __future__ import annotations

import logging

from cases.models import CaseEvent, EventKind
from config.errors import ApplicationError
from rewards.services import reward_propose_for_case

logger = logging.getLogger(__name__)


def on_case_event(event: CaseEvent) -> None:
    if event.kind != EventKind.TRANSITION or event.name != "close":
        return
    try:
        reward_propose_for_case(case=event.case)
    except ApplicationError as error:
        # Findings the policy cannot judge (no policy in force, an implausible fine): the bureau
        # proposes by hand; `propose_missing_rewards` retries once the findings are corrected.
        logger.warning("No reward proposed for case %s: %s", event.case_id, error.code)
