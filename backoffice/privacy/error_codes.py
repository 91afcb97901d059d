"""Every error code privacy gives its callers (`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change. The comment above each
member is its description in docs/api.md (`python -m backoffice.site.error_catalog`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    # the data to erase is under a legal hold (client, engagement or batch): nothing was erased
    LEGAL_HOLD = "legal_hold_active"
    # a retention rule's days are outside 1 to 36500, or its action is unknown
    RULE_INVALID = "retention_rule_invalid"
    # a legal hold needs a reason and exactly what it covers (client, engagement or batch)
    HOLD_INVALID = "legal_hold_invalid"
    # the legal hold was already released
    HOLD_RELEASED = "legal_hold_released"
    # a data-subject request names a field the engagement's items do not have, or no value
    SUBJECT_INVALID = "subject_invalid"
    # the field is confidential but not searchable, so no item can be found by its value
    SUBJECT_NOT_SEARCHABLE = "subject_not_searchable"
    # the data-subject request was already decided
    REQUEST_DECIDED = "request_already_decided"
    # a decision (refusal or approval) needs a reason
    DECISION_REASON = "decision_reason_required"
    # offboarding needs the organization's name typed in `confirm`
    CONFIRMATION_REQUIRED = "offboarding_confirmation_required"
    # an offboarding of the organization is already running, or it was offboarded
    OFFBOARDING_RUNNING = "offboarding_running"
    # privacy pages and rules belong to a client organization, not the provider's own account
    NOT_A_CLIENT = "privacy_not_a_client"
