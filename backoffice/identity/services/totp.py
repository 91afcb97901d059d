"""Authenticator apps (TOTP, RFC 6238: six digits, 30-second steps, SHA-1 as every app uses).

A code is accepted for its own step and one step either side (clock drift), and only if its
step is later than the last accepted one: the same code twice is refused (no replay), and so
is any older code. A code from further back is "expired" (told apart from a wrong one, so
the person knows to look at their app again). Refusals write nothing.
"""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass

import pyotp
from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import Conflict, DomainError
from backoffice.identity import crypto, events
from backoffice.identity.error_codes import ErrorCode
from backoffice.identity.models import Passkey, TotpDevice
from backoffice.identity.selectors import home_tenant_id, mfa_required
from backoffice.tenancy.models import User

ISSUER = "Backoffice"
STEP_SECONDS = 30
DRIFT_STEPS = 1
# Codes from up to this many steps back (five minutes) are told "expired", not "wrong".
EXPIRED_LOOKBACK = 10


@dataclass(frozen=True)
class Enrolment:
    secret: str
    uri: str


def _clean(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-")


def _check_format(code: str) -> str:
    cleaned = _clean(code)
    if not (cleaned.isdigit() and len(cleaned) == 6):
        raise DomainError(
            "Enter the 6-digit code your authenticator app shows.",
            code=ErrorCode.WRONG_CODE,
            fields={"code": ["Enter the 6 digits, without letters."]},
        )
    return cleaned


def current_step(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_SECONDS)


def _matching_step(secret: str, code: str, now_step: int) -> int | None:
    otp = pyotp.TOTP(secret)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(otp.generate_otp(step), code):
            return step
    return None


def _expired(secret: str, code: str, now_step: int) -> bool:
    otp = pyotp.TOTP(secret)
    return any(
        hmac.compare_digest(otp.generate_otp(step), code)
        for step in range(now_step - EXPIRED_LOOKBACK, now_step - DRIFT_STEPS)
    )


def _wrong() -> DomainError:
    return DomainError(
        "That code is not right. Check the time on your phone and enter the code shown now.",
        code=ErrorCode.WRONG_CODE,
        fields={"code": ["That code is not right."]},
    )


def begin_totp_enrolment(*, user: User) -> Enrolment:
    """A new secret for the person (replacing an unconfirmed one), not active until confirmed."""
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.is_active:
            raise Conflict(
                "An authenticator app is already set up. Remove it first to set up another.",
                code=ErrorCode.ALREADY_ENROLLED,
            )
        secret = pyotp.random_base32()
        if device is None:
            device = TotpDevice(user=user)
        device.secret_encrypted = crypto.encrypt(secret)
        device.last_step = 0
        device.save()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri)


def pending_enrolment(user: User) -> Enrolment | None:
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        return None
    secret = crypto.decrypt(device.secret_encrypted)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret=secret, uri=uri)


def confirm_totp_enrolment(*, user: User, code: str, at: float | None = None) -> None:
    """Activate the pending authenticator with a code it shows."""
    cleaned = _check_format(code)
    now_step = current_step(at)
    with transaction.atomic():
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=True)
            .first()
        )
        if device is None:
            raise DomainError(
                "Start the set-up again: no authenticator app is waiting to be confirmed.",
                code=ErrorCode.ENROLMENT_NOT_STARTED,
            )
        step = _matching_step(crypto.decrypt(device.secret_encrypted), cleaned, now_step)
        if step is None:
            raise _wrong()
        device.confirmed_at = timezone.now()
        device.last_step = step
        device.save(update_fields=["confirmed_at", "last_step"])
        events.record(tenant_id=home_tenant_id(user), actor=user, event=events.totp_enrolled(user))


def verify_totp(*, user: User, code: str, at: float | None = None) -> None:
    """Accept a code once: raises for a wrong, expired or already used code (nothing written)."""
    cleaned = _check_format(code)
    now_step = current_step(at)
    with transaction.atomic():
        device = (
            TotpDevice.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=False)
            .first()
        )
        if device is None:
            raise DomainError(
                "No authenticator app is set up for this account.", code=ErrorCode.NOT_ENROLLED
            )
        secret = crypto.decrypt(device.secret_encrypted)
        step = _matching_step(secret, cleaned, now_step)
        if step is None:
            if _expired(secret, cleaned, now_step):
                raise DomainError(
                    "That code has expired. Enter the code your app shows now.",
                    code=ErrorCode.CODE_EXPIRED,
                    fields={"code": ["That code has expired."]},
                )
            raise _wrong()
        if step <= device.last_step:
            raise DomainError(
                "That code was already used. Wait for the next code in your app and enter it.",
                code=ErrorCode.CODE_ALREADY_USED,
                fields={"code": ["That code was already used."]},
            )
        # Conditional on the step read under the lock: two requests racing with one code
        # cannot both pass.
        moved = TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step)
        if not moved:
            raise DomainError(
                "That code was already used. Wait for the next code in your app and enter it.",
                code=ErrorCode.CODE_ALREADY_USED,
            )


def remove_totp(*, user: User) -> None:
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            raise DomainError(
                "No authenticator app is set up for this account.", code=ErrorCode.NOT_ENROLLED
            )
        was_active = device.is_active
        if was_active and mfa_required(user) and not Passkey.objects.filter(user=user).exists():
            raise Conflict(
                "Your organization requires two-step sign-in: add a passkey before removing "
                "your authenticator app.",
                code=ErrorCode.LAST_FACTOR_REQUIRED,
            )
        device.delete()
        if was_active:
            events.record(
                tenant_id=home_tenant_id(user), actor=user, event=events.totp_removed(user)
            )
