"""In headless Chromium with its virtual authenticator: register a passkey, sign out, and
sign in again with the passkey alone (no username, no password, no second step)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from backoffice.identity.models import Passkey
from backoffice.tenancy.tests.factories import TEST_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PATIENCE_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


def test_sign_in_with_a_passkey_alone(live_server, browser_page, user_a):
    page, base = browser_page, live_server.url.replace("127.0.0.1", "localhost")
    page.context.set_default_timeout(PATIENCE_MS)
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.goto(f"{base}/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/t/client-a/$"))
    page.goto(f"{base}/account/security/")
    page.fill("#id_passkey_name", "Virtual key")
    page.click("#add-passkey")
    page.wait_for_selector("text=Passkey added.")

    page.click("#logout")
    page.wait_for_url(re.compile(r".*/login/"))
    page.goto(f"{base}/login/passkey-only/")
    page.click("#passwordless-go")
    page.wait_for_url(re.compile(r".*/t/client-a/$"))
    assert "Alice" in page.inner_text("header")
    assert Passkey.objects.get(user=user_a).last_used_at is not None
    assert violations == []
