"""Every state change of the identity app (keyword-only, one transaction, audited)."""

from backoffice.identity.services.passkeys import (
    authentication_options,
    finish_registration,
    passwordless_options,
    registration_options,
    remove_passkey,
    verify_passkey,
    verify_passkey_alone,
)
from backoffice.identity.services.policy import set_policy
from backoffice.identity.services.recovery import generate_recovery_codes, use_recovery_code
from backoffice.identity.services.sessions import (
    end_other_sessions,
    end_session,
    record_sign_in,
    touch_session,
)
from backoffice.identity.services.totp import (
    begin_totp_enrolment,
    confirm_totp_enrolment,
    remove_totp,
    verify_totp,
)

__all__ = [
    "authentication_options",
    "begin_totp_enrolment",
    "confirm_totp_enrolment",
    "end_other_sessions",
    "end_session",
    "finish_registration",
    "generate_recovery_codes",
    "passwordless_options",
    "record_sign_in",
    "registration_options",
    "remove_passkey",
    "remove_totp",
    "set_policy",
    "touch_session",
    "use_recovery_code",
    "verify_passkey",
    "verify_passkey_alone",
    "verify_totp",
]
