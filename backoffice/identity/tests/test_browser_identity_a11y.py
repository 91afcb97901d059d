"""axe-core (WCAG 2.1 A/AA, serious and critical) in Chromium on the new identity pages:
single sign-on start (with its refusal), settings (with field errors), sign-in with a passkey
alone, and the access review pages of a client's admin and of the provider admin."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from backoffice.identity.services import reviews
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.tenancy.tests.factories import TEST_PASSWORD, UserFactory, make_member
from backoffice.web.tests.a11y import axe_violations, horizontal_overflow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_new_identity_pages_pass_axe(live_server, browser_page, provider, client_a, user_a,
                                     provider_admin):  # fmt: skip
    page, base = browser_page, live_server.url
    page.context.set_default_timeout(60_000)
    page.set_viewport_size({"width": 390, "height": 844})
    staff = UserFactory.create(username="sam")
    make_member(provider, staff, Role.AGENT)
    make_member(client_a, staff, Role.AGENT)
    review = reviews.start_review(
        access=TenantAccess(user=provider_admin, tenant=client_a, role=Role.PROVIDER_ADMIN),
        deadline=timezone.now() + timedelta(days=3),
    )
    found: dict[str, list] = {}

    def check(name: str, selector: str) -> None:
        assert page.locator(selector).count() == 1, name  # the page we meant, not a refusal
        found[name] = axe_violations(page)
        assert horizontal_overflow(page) == 0, name

    page.goto(f"{base}/login/sso/")
    page.fill("#id_email", "x@nowhere.test")
    page.click("#sso-continue")
    check("sso start with an error", "#sso-start [aria-invalid=true]")
    page.goto(f"{base}/login/passkey-only/")
    check("passwordless", "#passwordless-form")

    _sign_in(page, base, "alice")
    page.goto(f"{base}/account/confirm/?next=/t/client-a/identity/sso/")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#confirm-password")
    page.goto(f"{base}/t/client-a/identity/sso/")
    check("sso settings", "#sso-form")
    page.fill("#id_issuer", "ftp://nowhere")
    page.fill("#id_client_id", "backoffice")
    page.fill("#id_domains", "acme.test")
    page.click("#save-sso")
    page.wait_for_selector("[role=alert]")
    check("sso settings with errors", "#issuer-errors")
    page.goto(f"{base}/t/client-a/identity/access-reviews/{review.pk}/")
    check("access review, client admin", "#review-lines button[value=certified]")
    page.context.clear_cookies()  # another person in the same browser

    _sign_in(page, base, "padmin")
    page.goto(f"{base}/t/client-a/identity/access-reviews/")
    check("access reviews, provider admin", "#start-review")
    assert {k: v for k, v in found.items() if v} == {}
