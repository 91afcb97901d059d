"""Passkeys and security keys (WebAuthn, py_webauthn): register, then use as a second factor.

The server makes a random challenge, the browser has the authenticator sign it, and
py_webauthn checks the answer against the relying party (our host name) and the origin.
The challenge lives in the caller's session between the two requests; it is used once.
Any refusal of the library (a wrong origin, a bad signature, a malformed answer) becomes one
plain error, and nothing is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import webauthn
from django.db import IntegrityError, transaction
from django.utils import timezone
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from backoffice.core.errors import Conflict, DomainError
from backoffice.identity import events
from backoffice.identity.error_codes import ErrorCode
from backoffice.identity.models import Passkey, TotpDevice
from backoffice.identity.selectors import home_tenant_id, mfa_required
from backoffice.tenancy.models import User

RP_NAME = "Backoffice"


@dataclass(frozen=True)
class RelyingParty:
    """Who the passkey is for: the host name (no port) and the page's origin."""

    id: str
    origin: str


@dataclass(frozen=True)
class Challenge:
    options_json: str
    challenge: str  # base64url, kept in the session until the answer comes back


def _refused() -> DomainError:
    return DomainError(
        "The passkey was not accepted. Try again, or use another way to sign in.",
        code=ErrorCode.PASSKEY_REFUSED,
    )


def _parse(credential: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(credential, dict):
        return credential
    try:
        parsed = json.loads(credential or "")
    except ValueError as exc:
        raise _refused() from exc
    if not isinstance(parsed, dict):
        raise _refused()
    return parsed


def registration_options(*, user: User, rp: RelyingParty) -> Challenge:
    existing = [
        PublicKeyCredentialDescriptor(id=bytes(p.credential_id))
        for p in Passkey.objects.filter(user=user)
    ]
    options = webauthn.generate_registration_options(
        rp_id=rp.id,
        rp_name=RP_NAME,
        user_name=user.username,
        user_id=str(user.pk).encode(),
        user_display_name=str(user),
        exclude_credentials=existing,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
    )
    return Challenge(webauthn.options_to_json(options), bytes_to_base64url(options.challenge))


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned or len(cleaned) > 100:
        raise DomainError(
            "Give the passkey a name of up to 100 characters, such as “Work laptop”.",
            code=ErrorCode.INVALID_NAME,
            fields={"name": ["Give the passkey a name of up to 100 characters."]},
        )
    return cleaned


def finish_registration(
    *, user: User, name: str, credential: str | dict[str, Any], challenge: str, rp: RelyingParty
) -> Passkey:
    cleaned = _clean_name(name)
    if Passkey.objects.filter(user=user, name=cleaned).exists():
        raise Conflict(
            f"You already have a passkey named “{cleaned}”. Choose another name.",
            code=ErrorCode.PASSKEY_NAME_TAKEN,
            fields={"name": ["You already have a passkey with this name."]},
        )
    answer = _parse(credential)
    try:
        verified = webauthn.verify_registration_response(
            credential=answer,
            expected_challenge=webauthn.base64url_to_bytes(challenge),
            expected_rp_id=rp.id,
            expected_origin=rp.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
        raise _refused() from exc
    transports = answer.get("response", {}).get("transports") or []
    try:
        with transaction.atomic():
            key = Passkey.objects.create(
                user=user,
                name=cleaned,
                credential_id=verified.credential_id,
                credential_id_b64=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=[str(t) for t in transports][:8],
            )
            events.record(
                tenant_id=home_tenant_id(user),
                actor=user,
                event=events.passkey_added(user, cleaned),
            )
    except IntegrityError as exc:
        raise Conflict(
            "This passkey is already registered.", code=ErrorCode.PASSKEY_NAME_TAKEN
        ) from exc
    return key


def authentication_options(*, user: User, rp: RelyingParty) -> Challenge:
    allowed = [
        PublicKeyCredentialDescriptor(id=bytes(p.credential_id))
        for p in Passkey.objects.filter(user=user)
    ]
    if not allowed:
        raise DomainError("No passkey is registered for this account.", code=ErrorCode.NOT_ENROLLED)
    options = webauthn.generate_authentication_options(
        rp_id=rp.id,
        allow_credentials=allowed,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return Challenge(webauthn.options_to_json(options), bytes_to_base64url(options.challenge))


def verify_passkey(
    *, user: User, credential: str | dict[str, Any], challenge: str, rp: RelyingParty
) -> Passkey:
    """Check a signed challenge from one of the person's passkeys; refuses a cloned key
    (a signature counter that went backwards)."""
    answer = _parse(credential)
    raw_id = answer.get("rawId") or answer.get("id") or ""
    with transaction.atomic():
        key = (
            Passkey.objects.select_for_update()
            .filter(user=user, credential_id_b64=str(raw_id))
            .first()
        )
        if key is None:
            raise _refused()
        try:
            verified = webauthn.verify_authentication_response(
                credential=answer,
                expected_challenge=webauthn.base64url_to_bytes(challenge),
                expected_rp_id=rp.id,
                expected_origin=rp.origin,
                credential_public_key=bytes(key.public_key),
                credential_current_sign_count=key.sign_count,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
            raise _refused() from exc
        key.sign_count = verified.new_sign_count
        key.last_used_at = timezone.now()
        key.save(update_fields=["sign_count", "last_used_at"])
    return key


def remove_passkey(*, user: User, passkey: Passkey) -> None:
    with transaction.atomic():
        others = Passkey.objects.filter(user=user).exclude(pk=passkey.pk).exists()
        totp = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
        if not others and not totp and mfa_required(user):
            raise Conflict(
                "Your organization requires two-step sign-in: set up an authenticator app or "
                "another passkey before removing this one.",
                code=ErrorCode.LAST_FACTOR_REQUIRED,
            )
        name = passkey.name
        passkey.delete()
        events.record(
            tenant_id=home_tenant_id(user), actor=user, event=events.passkey_removed(user, name)
        )


def passwordless_options(*, rp: RelyingParty) -> Challenge:
    """Options for signing in with a passkey alone: no name typed, so no list of keys; the
    browser offers the passkeys it holds for this site, and must verify its user."""
    options = webauthn.generate_authentication_options(
        rp_id=rp.id, user_verification=UserVerificationRequirement.REQUIRED
    )
    return Challenge(webauthn.options_to_json(options), bytes_to_base64url(options.challenge))


def verify_passkey_alone(
    *, credential: str | dict[str, Any], challenge: str, rp: RelyingParty
) -> User:
    """Whose passkey signed the challenge, with their fingerprint, face or PIN checked by the
    authenticator (user verification required: the passkey stands for both steps)."""
    answer = _parse(credential)
    raw_id = str(answer.get("rawId") or answer.get("id") or "")
    with transaction.atomic():
        key = (
            Passkey.objects.select_for_update()
            .filter(credential_id_b64=raw_id, user__is_active=True)
            .select_related("user")
            .first()
        )
        if key is None:
            raise _refused()
        handle = (answer.get("response") or {}).get("userHandle")
        if handle and handle != bytes_to_base64url(str(key.user_id).encode()):
            raise _refused()
        try:
            verified = webauthn.verify_authentication_response(
                credential=answer,
                expected_challenge=webauthn.base64url_to_bytes(challenge),
                expected_rp_id=rp.id,
                expected_origin=rp.origin,
                credential_public_key=bytes(key.public_key),
                credential_current_sign_count=key.sign_count,
                require_user_verification=True,
            )
        except (WebAuthnException, ValueError, KeyError, TypeError) as exc:
            raise _refused() from exc
        key.sign_count = verified.new_sign_count
        key.last_used_at = timezone.now()
        key.save(update_fields=["sign_count", "last_used_at"])
    return key.user
