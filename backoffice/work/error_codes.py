"""Every error code the work app raises, named once.

The codes are part of the API (`{"error": {"code": …}}`) and clients branch on them, so
a code never changes once shipped. `ErrorCode` is a `StrEnum`: each member is the plain
string it names, so it serialises and compares exactly as the literal did.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # catalogue, calendars, engagements, queues
    NOT_PROVIDER = "not_provider"
    INVALID_WORKFLOW = "invalid_workflow"
    INVALID_CALENDAR = "invalid_calendar"
    INVALID_SCHEMA = "invalid_schema"
    INVALID_QUEUE = "invalid_queue"
    INVALID_SETTING = "invalid_setting"
    # intake
    SCHEMA_VIOLATION = "schema_violation"
    ENGAGEMENT_INACTIVE = "engagement_inactive"
    INTAKE_REJECTED = "intake_rejected"
    FILE_REJECTED = "file_rejected"
    # the item's state machine
    ILLEGAL_TRANSITION = "illegal_transition"
    USE_ASK_CLIENT = "use_ask_client"
    WAITING_ON_CLIENT = "waiting_on_client"
    HELD_BY_OTHER = "held_by_other"
    NOT_HOLDER = "not_holder"
    # questions to the client
    NOT_A_QUESTION = "not_a_question"
    ALREADY_ANSWERED = "already_answered"
    # attachments
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_EMPTY = "attachment_empty"
    ATTACHMENT_TYPE = "attachment_type"
    # QA review
    NOT_IN_REVIEW = "not_in_review"
    NO_AGENT = "no_agent"
    OWN_WORK = "own_work"
    INVALID_REVIEW = "invalid_review"
    # double key
    SAME_AGENT = "same_agent"
    NEEDS_ADJUDICATION = "needs_adjudication"
    NO_MISMATCH = "no_mismatch"
    INVALID_ADJUDICATION = "invalid_adjudication"
