"""Factories for identity: an enrolled authenticator, recovery codes, sessions."""

from __future__ import annotations

import pyotp

from backoffice.identity import services
from backoffice.identity.services import totp
from backoffice.tenancy.models import User


def enrol_totp(user: User) -> str:
    """Set up and confirm an authenticator app for `user`; returns its secret (base32).

    Confirms with the code of the previous time step, so that the current code is still
    unused for the test that follows."""
    enrolment = services.begin_totp_enrolment(user=user)
    previous = totp.current_step() - 1
    code = pyotp.TOTP(enrolment.secret).generate_otp(previous)
    services.confirm_totp_enrolment(user=user, code=code)
    return enrolment.secret


def code_now(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).generate_otp(totp.current_step() + offset_steps)
