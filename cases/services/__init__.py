"""Every write to a case goes through these functions: keyword-only, typed, one transaction each."""

from cases.services.intake import case_create, reporter_create, reporter_find_by_phone
from cases.services.lifecycle import (
    case_accept,
    case_assign,
    case_close,
    case_feedback_given,
    case_merge,
    case_refer,
    case_reject,
    case_reopen,
    case_return_to_bureau,
    case_return_to_officer,
    case_start,
    case_submit,
    run_transition,
)
from cases.services.work import (
    case_extend,
    case_findings_record,
    case_followup_add,
    case_note_add,
    case_question_ask,
    case_update,
    reporter_reveal,
)

__all__ = [
    "case_accept",
    "case_assign",
    "case_close",
    "case_create",
    "case_extend",
    "case_feedback_given",
    "case_findings_record",
    "case_followup_add",
    "case_merge",
    "case_note_add",
    "case_question_ask",
    "case_refer",
    "case_reject",
    "case_reopen",
    "case_return_to_bureau",
    "case_return_to_officer",
    "case_start",
    "case_submit",
    "case_update",
    "reporter_create",
    "reporter_find_by_phone",
    "reporter_reveal",
    "run_transition",
]
