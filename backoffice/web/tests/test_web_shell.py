"""The UI shell: sign-in, lockout, CSRF, tenant pages and their isolation."""

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.tenancy.models import ApiToken
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import TEST_PASSWORD, UserFactory, make_member


@pytest.mark.django_db
def test_login_and_dashboard(user_a, client_a):
    c = Client()
    response = c.post("/login/", {"username": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 302
    home = c.get("/", follow=True)
    assert home.status_code == 200
    assert client_a.name.encode() in home.content
    assert home.redirect_chain[-1][0] == f"/t/{client_a.slug}/"


@pytest.mark.django_db
def test_wrong_password_is_400_with_message(user_a):
    response = Client().post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 400
    assert b"correct username and password" in response.content


@pytest.mark.django_db
def test_repeated_failures_lock_the_user_out(user_a, settings):
    c = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        c.post("/login/", {"username": "alice", "password": "wrong"})
    # even the right password is refused while locked out
    response = c.post("/login/", {"username": "alice", "password": TEST_PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in c.session


@pytest.mark.django_db
def test_missing_csrf_is_403_page_and_changes_nothing(user_a, client_a):
    c = Client(enforce_csrf_checks=True)
    c.force_login(user_a)
    before = ApiToken.objects.count()
    response = c.post(f"/t/{client_a.slug}/tokens/", {"name": "x", "days": "5"})
    assert response.status_code == 403
    assert b"CSRF" in response.content
    assert ApiToken.objects.count() == before


@pytest.mark.django_db
def test_unknown_and_foreign_tenant_pages_are_404(web_a, client_b):
    for url in ["/t/no-such-tenant/", f"/t/{client_b.slug}/", f"/t/{client_b.slug}/audit/"]:
        response = web_a.get(url)
        assert response.status_code == 404, url
        assert client_b.name.encode() not in response.content


@pytest.mark.django_db
def test_foreign_audit_event_by_id_is_404(web_a, client_a, client_b, user_b):
    foreign = AuditEvent.objects.for_tenant(client_b).first()
    assert foreign is not None
    response = web_a.get(f"/t/{client_a.slug}/audit/{foreign.pk}/")
    assert response.status_code == 404
    assert foreign.hash.encode() not in response.content


@pytest.mark.django_db
def test_foreign_token_cannot_be_revoked_from_the_ui(web_a, client_a, token_b):
    foreign = ApiToken.objects.exclude(tenant=client_a).get()
    response = web_a.post(f"/t/{client_a.slug}/tokens/{foreign.pk}/revoke/")
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


@pytest.mark.django_db
def test_token_page_shows_secret_once(web_a, client_a):
    response = web_a.post(f"/t/{client_a.slug}/tokens/", {"name": "ci", "days": "5"})
    assert response.status_code == 200
    token = ApiToken.objects.get(name="ci")
    assert f"bo_{token.prefix}_".encode() in response.content
    listing = web_a.get(f"/t/{client_a.slug}/tokens/")
    assert f"bo_{token.prefix}_…".encode() in listing.content
    assert token.digest.encode() not in listing.content


@pytest.mark.django_db
def test_bad_token_form_is_400(web_a, client_a):
    response = web_a.post(f"/t/{client_a.slug}/tokens/", {"name": "ci", "days": "abc"})
    assert response.status_code == 400
    assert not ApiToken.objects.filter(name="ci").exists()


@pytest.mark.django_db
def test_navigation_follows_the_role(provider, client_a):
    agent = UserFactory.create(username="agent")
    make_member(client_a, agent, Role.AGENT)
    c = Client()
    c.force_login(agent)
    page = c.get(f"/t/{client_a.slug}/").content.decode()
    assert ">Work<" in page
    assert ">Ledger<" not in page and ">Audit log<" not in page
    assert c.get(f"/t/{client_a.slug}/audit/").status_code == 403


@pytest.mark.django_db
def test_tenant_switcher_lists_only_my_tenants(provider_admin, provider, client_a, client_b):
    c = Client()
    c.force_login(provider_admin)
    page = c.get(f"/t/{provider.slug}/").content.decode()
    assert 'value="client-a"' in page and 'value="client-b"' in page
    switched = c.get("/switch/?to=client-b", follow=True)
    assert switched.redirect_chain[-1][0] == "/t/client-b/"


@pytest.mark.django_db
def test_switch_to_foreign_tenant_is_404(web_a, client_b):
    assert web_a.get(f"/switch/?to={client_b.slug}").status_code == 404


@pytest.mark.django_db
def test_password_change(web_a, user_a):
    bad = web_a.post(
        "/password/",
        {
            "old_password": "nope",
            "new_password1": "n3w-Secret-pass",
            "new_password2": "n3w-Secret-pass",
        },
    )
    assert bad.status_code == 400
    ok = web_a.post(
        "/password/",
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "n3w-Secret-pass",
            "new_password2": "n3w-Secret-pass",
        },
    )
    assert ok.status_code == 302
    user_a.refresh_from_db()
    assert user_a.check_password("n3w-Secret-pass")
    assert user_a.password.startswith("argon2")


@pytest.mark.django_db
def test_admin_only_for_provider_admins(web_a, provider_admin):
    assert web_a.get("/admin/").status_code == 302  # client admin: sent to the admin login
    c = Client()
    c.force_login(provider_admin)
    assert c.get("/admin/").status_code == 200
    assert c.get("/admin/audit/auditevent/").status_code == 200


@pytest.mark.django_db
def test_health_and_readiness(db):
    assert Client().get("/healthz").json() == {"status": "ok"}
    ready = Client().get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ok"


@pytest.mark.django_db
def test_request_id_is_echoed(web_a):
    response = web_a.get("/healthz", headers={"X-Request-ID": "abcdef123456"})
    assert response["X-Request-ID"] == "abcdef123456"


@pytest.mark.django_db
def test_admin_creates_a_client_through_the_service(provider_admin, provider):
    from backoffice.tenancy.models import Organization

    c = Client()
    c.force_login(provider_admin)
    response = c.post(
        "/admin/tenancy/organization/add/",
        {
            "slug": "new-client",
            "name": "New Client",
            "kind": "client",
            "provider": provider.pk,
            "country": "FR",
            "timezone": "Europe/Paris",
            "currency": "EUR",
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    org = Organization.objects.get(slug="new-client")
    created = AuditEvent.objects.for_tenant(org).get(action="organization.created")
    assert created.actor_id == provider_admin.pk


@pytest.mark.django_db
def test_dashboard_shows_only_what_the_role_may_see(provider, client_a):
    finance = UserFactory.create(username="fin")
    make_member(client_a, finance, Role.FINANCE)
    agent = UserFactory.create(username="agent")
    make_member(client_a, agent, Role.AGENT)
    pages = {}
    for user in (finance, agent):
        c = Client()
        c.force_login(user)
        pages[user.username] = c.get(f"/t/{client_a.slug}/").content.decode()
    assert "Open receivables" in pages["fin"] and 'id="work-summary"' not in pages["fin"]
    assert 'id="work-summary"' in pages["agent"] and "Open receivables" not in pages["agent"]
