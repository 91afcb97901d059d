"""The person's own account page: the product's look (not Django admin's), a time zone
they choose that every page then shows times in, and a failed form that keeps what was
typed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.core.dates import local_text, zone_label
from backoffice.tenancy.models import User
from backoffice.tenancy.tests.factories import TEST_PASSWORD


def test_times_are_shown_with_their_zone_named():
    at = datetime(2026, 11, 30, 14, 5, tzinfo=UTC)
    assert local_text(at, "Asia/Manila") == "2026-11-30 22:05 Manila time"
    assert local_text(at, "America/New_York") == "2026-11-30 09:05 New York time"
    assert local_text(at, "UTC") == "2026-11-30 14:05 UTC"
    # summer time is the zone's own: 14:05 UTC on 1 July is 10:05 in New York
    assert local_text(datetime(2026, 7, 1, 14, 5, tzinfo=UTC), "America/New_York").startswith(
        "2026-07-01 10:05"
    )
    assert zone_label("America/Argentina/Buenos_Aires") == "Buenos Aires time"


@pytest.mark.django_db
def test_password_page_is_the_products_own(web_a):
    page = web_a.get("/password/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<title>Your account · Backoffice</title>" in html
    assert "Django administration" not in html and "admin/css" not in html
    assert 'name="old_password"' in html and 'name="timezone"' in html


@pytest.mark.django_db
def test_wrong_old_password_is_400_on_the_same_page(web_a, user_a):
    page = web_a.post(
        "/password/",
        {"old_password": "nope", "new_password1": "x", "new_password2": "x"},
    )
    assert page.status_code == 400
    assert "Your old password was entered incorrectly" in page.content.decode()
    user_a.refresh_from_db()
    assert user_a.check_password(TEST_PASSWORD)


@pytest.mark.django_db
def test_password_change_lands_on_the_account_page(user_a):
    c = Client()
    c.force_login(user_a)
    new = "a much longer new passphrase 2026"
    page = c.post(
        "/password/",
        {"old_password": TEST_PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert page.redirect_chain[-1][0] == "/account/"
    assert "Password changed." in page.content.decode()
    user_a.refresh_from_db()
    assert user_a.check_password(new)


@pytest.mark.django_db
def test_a_bad_time_zone_is_refused_beside_the_field_and_what_was_typed_is_kept(web_a, user_a):
    page = web_a.post(
        "/account/",
        {"display_name": "Alice Liddell", "email": "alice@example.com", "timezone": "Mars/Olympus"},
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert 'id="timezone-errors"' in html and "Choose a time zone from the list" in html
    assert 'value="Mars/Olympus"' in html and 'value="Alice Liddell"' in html
    user_a.refresh_from_db()
    assert (user_a.timezone, user_a.display_name) == ("UTC", "Alice")


@pytest.mark.django_db
def test_a_chosen_time_zone_is_how_every_page_shows_times(web_a, user_a, client_a):
    page = web_a.post(
        "/account/",
        {"display_name": "Alice", "email": "", "timezone": "Asia/Manila"},
        follow=True,
    )
    assert "Profile saved." in page.content.decode()
    assert User.objects.get(pk=user_a.pk).timezone == "Asia/Manila"

    event = AuditEvent.objects.for_tenant(client_a).order_by("seq").first()
    html = web_a.get(f"/t/{client_a.slug}/audit/{event.pk}/").content.decode()
    assert local_text(event.at, "Asia/Manila")[:10] in html
    assert "Manila time" in html
