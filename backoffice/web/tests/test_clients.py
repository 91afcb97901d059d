"""Clients and their members, set up by a provider admin from the pages."""

from __future__ import annotations

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.ledger.models import Account
from backoffice.tenancy.models import Membership, Organization, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db

NEW_CLIENT = {
    "name": "Umbrella Logistics",
    "slug": "umbrella",
    "country": "NL",
    "timezone": "Europe/Amsterdam",
    "currency": "EUR",
}


@pytest.fixture
def admin_web(provider_admin) -> Client:
    c = Client()
    c.force_login(provider_admin)
    return c


def _login(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _plain_words(page: str) -> None:
    assert "Traceback" not in page and "regex" not in page and "[a-z" not in page


def test_only_a_provider_admin_opens_the_clients_page(admin_web, provider, client_a, user_a):
    # given
    finance = UserFactory.create(username="fin")
    make_member(provider, finance, Role.FINANCE)
    # when / then
    page = admin_web.get(f"/t/{provider.slug}/clients/")
    assert page.status_code == 200 and "Client A" in page.content.decode()
    assert _login(finance).get(f"/t/{provider.slug}/clients/").status_code == 403
    assert _login(user_a).get(f"/t/{client_a.slug}/clients/").status_code == 403
    assert _login(user_a).get(f"/t/{provider.slug}/clients/").status_code == 404


def test_the_navigation_shows_clients_to_the_provider_admin_only(admin_web, provider, user_a):
    # when
    mine = admin_web.get(f"/t/{provider.slug}/").content.decode()
    theirs = _login(user_a).get("/t/client-a/").content.decode()
    # then
    assert f'href="/t/{provider.slug}/clients/"' in mine
    assert "/clients/" not in theirs


def test_a_provider_admin_opens_a_client_with_its_own_books(admin_web, provider):
    # when
    r = admin_web.post(f"/t/{provider.slug}/clients/", NEW_CLIENT)
    # then: the client exists, served by the provider, with a chart and an audit event
    org = Organization.objects.get(slug="umbrella")
    assert r.status_code == 302 and r.url == f"/t/{provider.slug}/clients/{org.pk}/"
    assert (org.kind, org.provider_id, org.country, org.timezone, org.currency) == (
        "client",
        provider.pk,
        "NL",
        "Europe/Amsterdam",
        "EUR",
    )
    assert Account.objects.for_tenant(org).filter(code="1200").exists()
    assert AuditEvent.objects.for_tenant(org).filter(action="organization.created").exists()
    # and the admin reaches it at once
    assert admin_web.get("/t/umbrella/").status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "fid"),
    [
        ("slug", "Umbrella Logistics!", "c-slug"),
        ("slug", "client-a", "c-slug"),
        ("name", "", "c-name"),
        ("country", "Netherlands", "c-country"),
        ("country", "XX", "c-country"),
        ("timezone", "Mars/Olympus_Mons", "c-tz"),
        ("currency", "EURO", "c-cur"),
    ],
)
def test_a_bad_client_is_explained_beside_its_field_and_nothing_is_created(
    admin_web, provider, client_a, field, value, fid
):
    # given
    before = Organization.objects.count()
    body = NEW_CLIENT | {field: value}
    # when
    r = admin_web.post(f"/t/{provider.slug}/clients/", body)
    # then
    page = r.content.decode()
    assert r.status_code == 400 and f'id="{fid}-errors"' in page
    assert 'value="Umbrella Logistics"' in page or field == "name"
    if value:
        assert f'value="{value}"' in page
    _plain_words(page)
    assert Organization.objects.count() == before


def test_a_client_page_of_another_organization_is_not_found(admin_web, provider, client_a):
    # when / then: the provider itself and an id nobody has are no client of it
    assert admin_web.get(f"/t/{provider.slug}/clients/{provider.pk}/").status_code == 404
    assert admin_web.get(f"/t/{provider.slug}/clients/999999/").status_code == 404
    assert admin_web.post(f"/t/{provider.slug}/clients/999999/", {}).status_code == 404


def test_from_a_clients_own_pages_the_admin_is_sent_to_its_page(admin_web, provider, client_a):
    # when
    r = admin_web.get(f"/t/{client_a.slug}/clients/")
    # then
    assert r.status_code == 302 and r.url == f"/t/{provider.slug}/clients/{client_a.pk}/"


def test_a_new_member_gets_a_one_time_password_and_can_sign_in(admin_web, provider, client_a):
    # when
    r = admin_web.post(
        f"/t/{provider.slug}/clients/{client_a.pk}/",
        {
            "username": "carla",
            "display_name": "Carla Client",
            "email": "carla@client-a.example",
            "role": Role.CLIENT_ADMIN,
        },
    )
    # then: the password is shown once, and it works
    assert r.status_code == 302
    page = admin_web.get(r.url).content.decode()
    assert 'id="new-password"' in page
    password = page.split('id="new-password"')[1].split("<code>")[1].split("</code>")[0]
    assert User.objects.get(username="carla").check_password(password)
    m = Membership.objects.get(organization=client_a, user__username="carla")
    assert m.role == Role.CLIENT_ADMIN
    event = AuditEvent.objects.for_tenant(client_a).filter(action="membership.added").get()
    assert event.after == {"user": "carla", "role": Role.CLIENT_ADMIN}
    # and the password is not shown again
    again = admin_web.get(f"/t/{provider.slug}/clients/{client_a.pk}/").content.decode()
    assert password not in again


def test_an_existing_user_is_given_the_role_without_a_new_password(admin_web, provider, client_a):
    # given
    UserFactory.create(username="dora")
    # when
    r = admin_web.post(
        f"/t/{provider.slug}/clients/{client_a.pk}/", {"username": "dora", "role": Role.CLIENT_USER}
    )
    # then
    assert r.status_code == 302
    assert 'id="new-password"' not in admin_web.get(r.url).content.decode()
    assert Membership.objects.get(organization=client_a, user__username="dora").role == (
        Role.CLIENT_USER
    )


@pytest.mark.parametrize(
    ("body", "fid"),
    [
        ({"username": "bad name!", "role": Role.CLIENT_USER}, "m-username"),
        ({"username": "erin", "email": "not-an-address", "role": Role.CLIENT_USER}, "m-email"),
        ({"username": "erin", "role": "emperor"}, "m-role"),
    ],
)
def test_a_bad_member_is_explained_beside_its_field_and_nobody_is_added(
    admin_web, provider, client_a, body, fid
):
    # given
    users, memberships = User.objects.count(), Membership.objects.count()
    # when
    r = admin_web.post(f"/t/{provider.slug}/clients/{client_a.pk}/", body)
    # then
    page = r.content.decode()
    assert r.status_code == 400 and f'id="{fid}-errors"' in page
    assert f'value="{body["username"]}"' in page
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)


def test_the_client_page_links_the_clients_own_members_page(admin_web, provider, client_a):
    # when
    page = admin_web.get(f"/t/{provider.slug}/clients/{client_a.pk}/").content.decode()
    # then
    assert f'href="/t/{client_a.slug}/members/"' in page
