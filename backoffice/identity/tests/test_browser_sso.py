"""In headless Chromium: single sign-on through a real OpenID Connect provider the test
starts locally — work email on our page, the provider's own page (pick who you are), back to
our callback, signed in with an account made just in time; and the expired-state refusal."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page

from backoffice.identity.models import SsoIdentity
from backoffice.identity.services import sso
from backoffice.identity.tests.oidc import running_idp
from backoffice.tenancy.models import Membership, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess

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


def test_sso_sign_in_through_the_local_identity_provider(
    live_server, browser_page, client_a, user_a
):
    page, base = browser_page, live_server.url
    page.context.set_default_timeout(PATIENCE_MS)
    violations = _watch_csp(page)
    people = {"dana-42": {"email": "dana@acme.test", "name": "Dana Acme"}}
    with running_idp(people) as idp:
        sso.configure_sso(
            access=TenantAccess(user=user_a, tenant=client_a, role=Role.CLIENT_ADMIN),
            values=sso.SsoSettings(
                issuer=idp.issuer,
                client_id="backoffice",
                client_secret="s3cret",
                domains="acme.test",
                default_role="client_user",
                required=True,
                enabled=True,
            ),
        )
        page.goto(f"{base}/login/sso/")
        page.fill("#id_email", "dana@acme.test")
        page.click("#sso-continue")
        # The provider's own page (another origin): choose who you are there.
        page.wait_for_url(re.compile(re.escape(idp.issuer) + r"/oauth2/authorize"))
        page.click("button[aria-label='Authorize as dana-42']")
        page.wait_for_url(re.compile(r".*/t/client-a/$"))
        assert "Dana Acme" in page.inner_text("header")
        dana = User.objects.get(email="dana@acme.test")
        assert Membership.objects.get(user=dana).role == "client_user"
        assert SsoIdentity.objects.for_tenant(client_a).filter(user=dana).count() == 1

        # A second browser whose sign-in waited too long at the provider: refused plainly.
        page.click("#logout")
        page.wait_for_url(re.compile(r".*/login/"))
        page.goto(f"{base}/login/sso/client-a/")
        page.wait_for_url(re.compile(re.escape(idp.issuer) + r"/oauth2/authorize"))
        sso.STATE_SECONDS, saved = -1, sso.STATE_SECONDS
        try:
            page.click("button[aria-label='Authorize as dana-42']")
            page.wait_for_url(re.compile(r".*/login/sso/callback/"))
            assert "took too long" in page.inner_text("#sso-error")
        finally:
            sso.STATE_SECONDS = saved
        assert "Dana" not in page.inner_text("header")
    assert violations == []
