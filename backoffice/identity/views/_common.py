"""What the identity pages share: the relying party of this request, codes shown once."""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from backoffice.core.errors import DomainError
from backoffice.identity.services.passkeys import RelyingParty

CHALLENGE = "identity_webauthn_challenge"
FRESH_CODES = "identity_fresh_codes"

Errors = dict[str, list[str]]


def relying_party(request: HttpRequest) -> RelyingParty:
    """Passkeys belong to the host name (WEBAUTHN_RP_ID, else the request's host)."""
    host = request.get_host().rsplit(":", 1)[0] if not request.get_host().startswith("[") else ""
    rp_id = getattr(settings, "WEBAUTHN_RP_ID", "") or host
    origin = f"{request.scheme}://{request.get_host()}"
    return RelyingParty(id=rp_id, origin=origin)


def qr_svg(uri: str) -> SafeString:
    """The enrolment QR code as inline SVG (segno writes only paths: nothing to escape)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, title="QR code for your authenticator app")
    return mark_safe(svg)


def errors_of(exc: DomainError) -> tuple[list[str], Errors]:
    fields = {
        k: [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in exc.fields.items()
    }
    return ([exc.message], fields)


def context(**kwargs: Any) -> dict[str, Any]:
    return kwargs
