"""In headless Chromium: set up an authenticator app and sign in with it (the code computed
with pyotp, as a phone would), register a passkey with Chromium's virtual authenticator and
sign in with it; no page along the way breaks the content security policy."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Page

from backoffice.identity.models import Passkey, TotpDevice
from backoffice.identity.services import totp
from backoffice.tenancy.tests.factories import TEST_PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PATIENCE_MS = 60_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


def _watch_csp(page: Page) -> list[str]:
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return violations


def _password(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("main button[type=submit]")


def _log_out(page: Page) -> None:
    page.click("#logout")
    page.wait_for_url(re.compile(r".*/login/"))


def test_enrol_an_authenticator_app_and_sign_in_with_it(live_server, browser_page, user_a):
    page, base = browser_page, live_server.url
    page.context.set_default_timeout(PATIENCE_MS)
    violations = _watch_csp(page)
    _password(page, base, "alice")
    page.wait_for_url(re.compile(r".*/t/client-a/$"))

    page.goto(f"{base}/account/security/")
    page.click("#setup-totp")
    assert page.locator(".qr svg").count() == 1
    secret = page.inner_text("#totp-secret").strip()
    page.fill("#id_code", pyotp.TOTP(secret).now())
    page.click("#confirm-code")
    page.wait_for_url(re.compile(r".*/account/security/codes/$"))
    assert page.locator("#recovery-codes li").count() == 10
    page.click("text=I have saved them")
    assert "Sign-in asks for the 6-digit code" in page.inner_text("#authenticator")
    assert TotpDevice.objects.get(user=user_a).confirmed_at is not None

    _log_out(page)
    _password(page, base, "alice")
    page.wait_for_url(re.compile(r".*/login/verify/$"))
    # A wrong code first: refused in words, still not signed in.
    page.fill("#id_code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("#verify-code")
    assert "That code is not right" in page.inner_text("[role=alert]")
    # The next step's code (inside the drift window, later than the enrolment's step).
    page.fill("#id_code", pyotp.TOTP(secret).generate_otp(totp.current_step() + 1))
    page.click("#verify-code")
    page.wait_for_url(re.compile(r".*/t/client-a/$"))
    assert "Alice" in page.inner_text("header")
    assert violations == []


def test_passkey_with_the_virtual_authenticator(live_server, browser_page, user_a):
    page, base = browser_page, live_server.url.replace("127.0.0.1", "localhost")
    page.context.set_default_timeout(PATIENCE_MS)
    violations = _watch_csp(page)
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
    _password(page, base, "alice")
    page.wait_for_url(re.compile(r".*/t/client-a/$"))
    page.goto(f"{base}/account/security/")
    page.fill("#id_passkey_name", "Virtual key")
    page.click("#add-passkey")
    page.wait_for_selector("text=Passkey added.")
    assert Passkey.objects.get(user=user_a).name == "Virtual key"

    _log_out(page)
    _password(page, base, "alice")
    page.wait_for_url(re.compile(r".*/login/verify/$"))
    page.click("#use-passkey")
    page.wait_for_url(re.compile(r".*/t/client-a/$"))
    assert Passkey.objects.get(user=user_a).last_used_at is not None
    assert violations == []
