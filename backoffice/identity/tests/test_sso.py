"""Single sign-on per client against real OpenID Connect providers started by the suite
(two of them: client A's and client B's), through our own pages with Django's test client.

Scenario (worked by hand): client A signs in through provider A for acme.test, client B
through provider B for globex.test. alice@acme.test signs in twice: the first time one
account, one membership (client user) and one SSO link are written; the second time
nothing new. Each refusal below leaves the number of users, memberships, links and audit
events exactly where they were."""

from __future__ import annotations

import html
import re
import time

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.core.rls import set_rls_tenants
from backoffice.identity.models import SsoConnection, SsoDomain, SsoIdentity
from backoffice.identity.services import sso
from backoffice.identity.tests.oidc import callback_query, path_of, running_idp
from backoffice.tenancy.models import Membership, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.tenancy.tests.factories import TEST_PASSWORD, UserFactory, make_member

pytestmark = pytest.mark.django_db

PEOPLE_A = {
    "alice-1": {"email": "alice@acme.test", "name": "Alice Acme"},
    "mallory-1": {"email": "mallory@globex.test", "name": "Mallory"},
    "nomail-1": {"name": "No Mail"},
    "kate-1": {"email": "kate@acme.test", "name": "Kate Acme"},
}
PEOPLE_B = {"bob-1": {"email": "bob@globex.test", "name": "Bob Globex"}}


@pytest.fixture(scope="module")
def idp_a():
    with running_idp(PEOPLE_A) as idp:
        yield idp


@pytest.fixture(scope="module")
def idp_b():
    with running_idp(PEOPLE_B) as idp:
        yield idp


def _configure(admin: User, tenant, issuer: str, domains: str, **kw) -> SsoConnection:
    access = TenantAccess(user=admin, tenant=tenant, role=Role.CLIENT_ADMIN)
    values = sso.SsoSettings(
        issuer=issuer,
        client_id=kw.get("client_id", f"backoffice-{tenant.slug}"),
        client_secret=kw.get("secret", "s3cret-value"),
        domains=domains,
        default_role=kw.get("default_role", "client_user"),
        required=kw.get("required", False),
        enabled=True,
    )
    return sso.configure_sso(access=access, values=values)


@pytest.fixture
def sso_setup(client_a, client_b, user_a, user_b, idp_a, idp_b):
    _configure(user_a, client_a, idp_a.issuer, "acme.test")
    _configure(user_b, client_b, idp_b.issuer, "globex.test")
    return idp_a, idp_b


def _counts() -> tuple[int, int, int, int]:
    set_rls_tenants([])
    return (
        User.objects.count(),
        Membership.objects.count(),
        SsoIdentity.objects.unscoped("test: count every link").count(),
        AuditEvent.objects.unscoped("test: count every event").count(),
    )


def _start(c: Client, email: str) -> str:
    """The address of the provider's sign-in page the hand-over page follows."""
    answer = c.post("/login/sso/", {"email": email})
    assert answer.status_code == 200, answer.content[:400]
    found = re.search(r'<a id="sso-follow" data-follow href="([^"]+)"', answer.content.decode())
    assert found is not None
    return html.unescape(found.group(1))


def _signed_in(c: Client) -> bool:
    return "_auth_user_id" in c.session


def test_first_sign_in_provisions_then_the_same_person_comes_back(sso_setup, client_a):
    idp_a, _ = sso_setup
    users, members, links, _audit = _counts()
    c = Client()
    url = _start(c, "Alice@Acme.test")
    query = callback_query(url)
    assert query["code_challenge_method"] == "S256" and query["nonce"] and query["state"]
    answer = c.get(path_of(idp_a.authorize(url, "alice-1")))
    assert answer.status_code == 302 and _signed_in(c)
    alice = User.objects.get(email="alice@acme.test")
    assert not alice.has_usable_password() and alice.display_name == "Alice Acme"
    membership = Membership.objects.get(user=alice)
    assert (membership.organization_id, membership.role) == (client_a.pk, "client_user")
    assert _counts()[:3] == (users + 1, members + 1, links + 1)
    actions = set(AuditEvent.objects.for_tenant(client_a).values_list("action", flat=True))
    assert {"identity.sso_user_provisioned", "identity.signed_in"} <= actions

    again = Client()
    url = _start(again, "alice@acme.test")
    assert again.get(path_of(idp_a.authorize(url, "alice-1"))).status_code == 302
    assert _signed_in(again) and again.session["_auth_user_id"] == str(alice.pk)
    assert _counts()[:3] == (users + 1, members + 1, links + 1)


def test_expired_state_is_refused_and_nothing_is_written(sso_setup):
    idp_a, _ = sso_setup
    before = _counts()
    c = Client()
    url = _start(c, "alice@acme.test")
    session = c.session
    session["identity_sso"]["at"] = time.time() - sso.STATE_SECONDS - 1
    session.save()
    answer = c.get(path_of(idp_a.authorize(url, "alice-1")))
    assert answer.status_code == 400
    assert "took too long" in answer.content.decode()
    assert not _signed_in(c) and _counts() == before


def test_a_state_from_another_browser_is_refused(sso_setup):
    idp_a, _ = sso_setup
    before = _counts()
    url = _start(Client(), "alice@acme.test")
    stranger = Client()  # never started a sign-in: the code arrives without our state
    answer = stranger.get(path_of(idp_a.authorize(url, "alice-1")))
    assert answer.status_code == 400 and "took too long" in answer.content.decode()
    assert not _signed_in(stranger) and _counts() == before


def test_a_user_of_another_clients_domain_is_refused(sso_setup, client_a):
    """mallory@globex.test signs in at client A's provider: globex.test is client B's."""
    idp_a, _ = sso_setup
    before = _counts()
    c = Client()
    url = _start(c, "someone@acme.test")
    answer = c.get(path_of(idp_a.authorize(url, "mallory-1")))
    assert answer.status_code == 403
    text = answer.content.decode()
    assert "mallory@globex.test" in text and "not an account of Client A" in text
    assert not _signed_in(c) and _counts() == before


def test_a_code_from_another_clients_provider_is_refused(sso_setup):
    """Client B's provider vouches for bob; his code is replayed into client A's sign-in."""
    _idp_a, idp_b = sso_setup
    before = _counts()
    c = Client()
    url_a = _start(c, "alice@acme.test")
    url_b = _start(Client(), "bob@globex.test")
    code_b = callback_query(idp_b.authorize(url_b, "bob-1"))["code"]
    state_a = callback_query(url_a)["state"]
    answer = c.get(f"/login/sso/callback/?code={code_b}&state={state_a}")
    assert answer.status_code == 400
    assert "did not confirm who you are" in answer.content.decode()
    assert not _signed_in(c) and _counts() == before


def test_an_id_token_of_another_provider_does_not_verify(sso_setup):
    idp_a, idp_b = sso_setup
    import httpx

    doc_b = sso.discovery(idp_b.issuer)
    url_b = _start(Client(), "bob@globex.test")
    code = callback_query(idp_b.authorize(url_b, "bob-1"))["code"]
    tokens = httpx.post(
        doc_b["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://testserver/login/sso/callback/",
        },
        auth=("backoffice-client-b", "x"),
    ).json()
    jwks_a = httpx.get(sso.discovery(idp_a.issuer)["jwks_uri"]).json()
    with pytest.raises(sso.DomainError) as refused:
        sso.verify_id_token(
            tokens["id_token"],
            jwks=jwks_a,
            issuer=idp_a.issuer,
            client_id="backoffice-client-a",
            nonce=callback_query(url_b)["nonce"],
        )
    assert refused.value.code == "sso_refused"


def test_an_existing_account_of_another_organization_is_not_taken_over(sso_setup, client_b):
    idp_a, _ = sso_setup
    other = UserFactory.create(username="alice-elsewhere", email="alice@acme.test")
    make_member(client_b, other, Role.CLIENT_USER)
    before = _counts()
    c = Client()
    answer = c.get(path_of(idp_a.authorize(_start(c, "alice@acme.test"), "alice-1")))
    assert answer.status_code == 409 and "already exists" in answer.content.decode()
    assert not _signed_in(c) and _counts() == before


def test_unknown_domain_and_cancelled_sign_in_read_plainly(sso_setup):
    c = Client()
    answer = c.post("/login/sso/", {"email": "carol@nowhere.test"})
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "No organization signs in with single sign-on for addresses at nowhere.test" in text
    assert 'value="carol@nowhere.test"' in text
    url = _start(c, "alice@acme.test")
    state = callback_query(url)["state"]
    answer = c.get(f"/login/sso/callback/?error=access_denied&state={state}")
    assert answer.status_code == 400 and "cancelled" in answer.content.decode()


def test_required_sso_blocks_password_for_the_clients_users_not_provider_staff(
    sso_setup, client_a, user_a, provider
):
    idp_a, _ = sso_setup
    _configure(user_a, client_a, idp_a.issuer, "acme.test", required=True, secret="")
    member = UserFactory.create(username="ann")
    make_member(client_a, member, Role.CLIENT_USER)
    staff = UserFactory.create(username="sam")
    make_member(provider, staff, Role.AGENT)
    make_member(client_a, staff, Role.AGENT)

    c = Client()
    answer = c.post("/login/", {"username": "ann", "password": TEST_PASSWORD})
    assert answer.status_code == 403 and not _signed_in(c)
    assert "requires its people to sign in through its own identity provider" in (
        answer.content.decode()
    )
    assert "/login/sso/client-a/" in answer.content.decode()
    c = Client()
    assert c.post("/login/", {"username": "sam", "password": TEST_PASSWORD}).status_code == 302
    assert _signed_in(c)
    # Through the organization's own link, the SSO person still gets in.
    c = Client()
    answer = c.get("/login/sso/client-a/")
    assert answer.status_code == 302
    assert c.get(path_of(idp_a.authorize(answer["Location"], "alice-1"))).status_code == 302
    assert _signed_in(c)


def test_a_person_without_email_from_the_provider_is_refused(sso_setup):
    idp_a, _ = sso_setup
    before = _counts()
    c = Client()
    answer = c.get(path_of(idp_a.authorize(_start(c, "x@acme.test"), "nomail-1")))
    assert answer.status_code == 400 and "confirmed email address" in answer.content.decode()
    assert _counts() == before


def test_settings_page_keeps_the_secret_hidden_and_checks_input(
    client_a, client_b, user_a, user_b, web_a, idp_a
):
    page = web_a.get("/t/client-a/identity/sso/")
    assert page.status_code == 200 and "/login/sso/callback/" in page.content.decode()
    answer = web_a.post(
        "/t/client-a/identity/sso/",
        {"issuer": "ftp://x", "client_id": "", "client_secret": "", "domains": "not a domain!"},
    )
    assert answer.status_code == 400
    text = answer.content.decode()
    for words in (
        "Enter the address of your identity provider",
        "Enter the client ID",
        "Enter the client secret",
        "These are not email domains: not, a, domain!",
    ):
        assert words in text
    assert 'value="ftp://x"' in text
    ok = web_a.post(
        "/t/client-a/identity/sso/",
        {
            "issuer": idp_a.issuer + "/",
            "client_id": "backoffice",
            "client_secret": "very-secret-123",
            "domains": "acme.test, @Acme-Mail.test",
            "default_role": "client_user",
            "enabled": "on",
        },
    )
    assert ok.status_code == 302
    page = web_a.get("/t/client-a/identity/sso/").content.decode()
    assert "very-secret-123" not in page and "A secret is saved" in page
    set_rls_tenants([client_a.pk])
    row = SsoConnection.objects.for_tenant(client_a).get()
    assert row.issuer == idp_a.issuer and "very-secret-123" not in row.client_secret_encrypted
    assert sorted(SsoDomain.objects.for_tenant(client_a).values_list("domain", flat=True)) == [
        "acme-mail.test",
        "acme.test",
    ]
    event = AuditEvent.objects.for_tenant(client_a).filter(action="identity.sso_configured").get()
    assert "very-secret-123" not in str(event.after) and event.after["secret_changed"] is True
    # Another client's domain is refused with a conflict, and nothing of it is saved.
    with pytest.raises(sso.Conflict):
        _configure(user_b, client_b, idp_a.issuer, "acme.test")
    # Another tenant's settings page is the same 404 as a missing one.
    other = Client()
    other.force_login(user_b)
    assert other.get("/t/client-a/identity/sso/").status_code == 404


def test_an_sso_person_confirms_it_is_them_through_the_provider(sso_setup, client_a):
    """No password to type (the account has none): "Confirm it is you" offers the
    organization's sign-in, which marks the confirmation and returns to the page."""
    idp_a, _ = sso_setup
    c = Client()
    assert c.get(path_of(idp_a.authorize(_start(c, "alice@acme.test"), "alice-1"))).status_code
    session = c.session
    session["identity_auth_at"] = time.time() - 3600
    session.save()
    page = c.get("/account/confirm/?next=/account/security/").content.decode()
    assert 'id="reauth-sso"' in page and 'id="reauth-password"' not in page
    answer = c.get("/login/sso/client-a/?next=/account/security/")
    assert answer.status_code == 302
    back = c.get(path_of(idp_a.authorize(answer["Location"], "alice-1")))
    assert back.status_code == 302 and back["Location"] == "/account/security/"
    assert time.time() - c.session["identity_auth_at"] < 60
    # The provider vouching for someone else while alice is signed in changes nothing.
    session = c.session
    session["identity_auth_at"] = 0
    session.save()
    answer = c.get("/login/sso/client-a/")
    other = c.get(path_of(idp_a.authorize(answer["Location"], "kate-1")))
    assert other.status_code == 403 and "confirmed someone else" in other.content.decode()
    assert c.session["identity_auth_at"] == 0
    assert c.session["_auth_user_id"] == str(User.objects.get(email="alice@acme.test").pk)
