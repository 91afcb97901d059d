"""Recovery codes: ten single-use codes for when the authenticator is lost.

Shown once, stored as Argon2id hashes (argon2-cffi; light parameters are enough for codes
of 50 random bits, and keep checking ten of them quick). Making new ones voids the old.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from django.db import transaction
from django.utils import timezone

from backoffice.core.errors import DomainError
from backoffice.identity import events
from backoffice.identity.error_codes import ErrorCode
from backoffice.identity.models import RecoveryCode
from backoffice.identity.selectors import home_tenant_id
from backoffice.tenancy.models import User

COUNT = 10
# No 0/o, 1/l/i: a code copied from paper reads one way.
ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def normalise(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def generate_recovery_codes(*, user: User) -> list[str]:
    """Ten new codes (returned once, in the clear); every earlier code stops working."""
    codes = [_new_code() for _ in range(COUNT)]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(user=user, code_hash=_HASHER.hash(normalise(c))) for c in codes]
        )
        events.record(
            tenant_id=home_tenant_id(user),
            actor=user,
            event=events.recovery_codes_generated(user, COUNT),
        )
    return codes


def _matches(code_hash: str, code: str) -> bool:
    try:
        return _HASHER.verify(code_hash, code)
    except (VerificationError, InvalidHashError):
        return False


def use_recovery_code(*, user: User, code: str) -> int:
    """Spend one code; returns how many are left. A wrong or used code writes nothing."""
    cleaned = normalise(code)
    wrong = DomainError(
        "That recovery code is not right, or it was already used.",
        code=ErrorCode.WRONG_CODE,
        fields={"code": ["That recovery code is not right, or it was already used."]},
    )
    if len(cleaned) != 10:
        raise wrong
    with transaction.atomic():
        unused = list(
            RecoveryCode.objects.select_for_update().filter(user=user, used_at__isnull=True)
        )
        match = next((row for row in unused if _matches(row.code_hash, cleaned)), None)
        if match is None:
            raise wrong
        spent = RecoveryCode.objects.filter(pk=match.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not spent:
            raise wrong
        left = len(unused) - 1
        events.record(
            tenant_id=home_tenant_id(user), actor=user, event=events.recovery_code_used(user, left)
        )
    return left
