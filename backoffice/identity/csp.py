"""The content security policy: django-csp's middleware, plus the hashes of our inline scripts.

Settings give the policy (`CONTENT_SECURITY_POLICY`: scripts only from our own origin). The
few inline `<script>` blocks and `on…="…"` handlers written in the templates are allowed by
their SHA-256 hashes, collected once from the template files of every installed app: a
script that is not in a template file as written (say, one injected through data) matches
no hash and does not run. A block that contains template syntax cannot be hashed ahead of
time and is not allowed: move its code to a static file and pass values in data- attributes.

The middleware also sends `Permissions-Policy` (no camera, microphone, location, payment;
passkeys stay allowed on our own origin).
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from pathlib import Path

from csp.middleware import CSPMiddleware, PolicyParts
from django.apps import apps
from django.http import HttpRequest, HttpResponseBase

_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_HANDLER = re.compile(r"""\son[a-z]+="(?P<body>[^"{}]*)\"""", re.I)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def _hash(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def hashes_in(text: str) -> tuple[set[str], set[str]]:
    """The hashes of a template's static inline scripts, and of its inline event handlers."""
    scripts = {
        _hash(m["body"])
        for m in _SCRIPT.finditer(text)
        if "src=" not in m["attrs"]
        and m["body"].strip()
        and "{" + "{" not in m["body"]
        and "{%" not in m["body"]
    }
    handlers = {_hash(m["body"]) for m in _HANDLER.finditer(text)}
    return scripts, handlers


@cache
def template_hashes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    scripts: set[str] = set()
    handlers: set[str] = set()
    for config in apps.get_app_configs():
        folder = Path(config.path) / "templates"
        if not folder.is_dir():
            continue
        for path in folder.rglob("*.html"):
            found_scripts, found_handlers = hashes_in(path.read_text(errors="replace"))
            scripts |= found_scripts
            handlers |= found_handlers
    return tuple(sorted(scripts)), tuple(sorted(handlers))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        scripts, handlers = template_hashes()
        extra = [*scripts, *handlers, *(["'unsafe-hashes'"] if handlers else [])]
        if extra:
            update = dict(parts.update or {})
            update["script-src"] = [*list(update.get("script-src") or []), *extra]
            parts.update = update
        return parts

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        response = super().process_response(request, response)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        return response
