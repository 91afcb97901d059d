"""A refused form on the shell's pages keeps what was typed and says what is wrong beside
the field, and nothing is written."""

from __future__ import annotations

import pytest

from backoffice.tenancy.models import ApiToken, Membership
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member


def _error_beside(html: str, field_id: str) -> str:
    start = html.index(f'id="{field_id}-errors"')
    return html[start : html.index("</ul>", start)]


@pytest.mark.django_db
def test_unknown_username_is_named_beside_the_field_and_kept(web_a, client_a):
    page = web_a.post(
        f"/t/{client_a.slug}/members/", {"username": "nobody-here", "role": Role.CLIENT_USER}
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert "No active user has this username." in _error_beside(html, "username")
    assert 'value="nobody-here"' in html
    assert f'value="{Role.CLIENT_USER}" selected' in html
    assert not Membership.objects.filter(user__username="nobody-here").exists()


@pytest.mark.django_db
def test_a_role_above_ones_own_is_refused_beside_the_role(client_a):
    from django.test import Client

    manager = UserFactory.create(username="cu-admin")
    make_member(client_a, manager, Role.CLIENT_ADMIN)
    other = UserFactory.create(username="newbie")
    c = Client()
    c.force_login(manager)
    page = c.post(
        f"/t/{client_a.slug}/members/", {"username": "newbie", "role": Role.PROVIDER_ADMIN}
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert "more rights than your own" in _error_beside(html, "member-role")
    assert 'value="newbie"' in html
    assert not Membership.objects.filter(user=other).exists()


@pytest.mark.django_db
def test_bad_token_lifetime_keeps_the_name_and_says_why(web_a, client_a):
    for days, words in (("abc", "whole number of days"), ("900", "1–366 days")):
        page = web_a.post(f"/t/{client_a.slug}/tokens/", {"name": "nightly sync", "days": days})
        html = page.content.decode()
        assert page.status_code == 400
        assert words in _error_beside(html, "days")
        assert 'value="nightly sync"' in html and f'value="{days}"' in html
    assert not ApiToken.objects.filter(name="nightly sync").exists()


@pytest.mark.django_db
def test_a_good_token_form_starts_afresh(web_a, client_a):
    page = web_a.post(f"/t/{client_a.slug}/tokens/", {"name": "ci", "days": "5"})
    assert page.status_code == 200
    assert 'value="ci"' not in page.content.decode()
    assert ApiToken.objects.filter(name="ci").exists()
