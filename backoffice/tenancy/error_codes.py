"""The error codes tenancy's refusals carry, named once.

Tenancy has no codes of its own: its refusals use the plain codes of `core.errors` (and the
API's 401), listed here so that clients and the apps above can name them. A code never
changes once shipped. `ErrorCode` is a `StrEnum`: each member is the plain string it names.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # 400: a field the rules refuse (unknown user, a role wider than one's own, a token
    # lifetime). Refusing to remove a member one outranks or oneself is a 403 that has
    # always carried this code too; clients may rely on it, so it stays.
    INVALID = "invalid"
    # 404: no such organization, member or token; another tenant's look the same
    NOT_FOUND = "not_found"
    # 403: the caller's role lacks the permission (`TenantAccess.require`)
    FORBIDDEN = "forbidden"
    # 401: a missing, malformed, unknown, expired or revoked API token (`auth.py`)
    UNAUTHORIZED = "unauthorized"
