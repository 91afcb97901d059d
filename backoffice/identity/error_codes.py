"""Every error code identity gives its callers (`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change."""

from enum import StrEnum


class ErrorCode(StrEnum):
    WRONG_CODE = "wrong_code"
    CODE_ALREADY_USED = "code_already_used"
    CODE_EXPIRED = "code_expired"
    NOT_ENROLLED = "not_enrolled"
    ALREADY_ENROLLED = "already_enrolled"
    ENROLMENT_NOT_STARTED = "enrolment_not_started"
    WRONG_PASSWORD = "wrong_password"
    PASSKEY_REFUSED = "passkey_refused"
    PASSKEY_NAME_TAKEN = "passkey_name_taken"
    INVALID_NAME = "invalid_name"
    SIGN_IN_EXPIRED = "sign_in_expired"
    LOCKED_OUT = "locked_out"
    LAST_FACTOR_REQUIRED = "last_factor_required"
    INVALID_POLICY = "invalid_policy"
    RATE_LIMITED = "rate_limited"
    INVALID_SSO_SETTINGS = "invalid_sso_settings"
    SSO_DOMAIN_TAKEN = "sso_domain_taken"
    SSO_NOT_CONFIGURED = "sso_not_configured"
    SSO_STATE_EXPIRED = "sso_state_expired"
    SSO_PROVIDER_UNAVAILABLE = "sso_provider_unavailable"
    SSO_REFUSED = "sso_refused"
    SSO_WRONG_ORGANIZATION = "sso_wrong_organization"
    SSO_ACCOUNT_CONFLICT = "sso_account_conflict"
    SSO_REQUIRED = "sso_required"
    REVIEW_ALREADY_OPEN = "review_already_open"
    INVALID_REVIEW = "invalid_review"
    REVIEW_CLOSED = "review_closed"
    INVALID_DECISION = "invalid_decision"
