"""The audit pages in words: a phrase per event, the change as a table of labelled fields
with amounts in the tenant's money, and the auditor's "Verify chain" button."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from backoffice.audit.models import AuditEvent
from backoffice.ledger.services import post_journal_entry
from backoffice.ledger.tests.factories import entry, with_chart
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.web.tests.readable import triggers_off
from backoffice.work.tests.factories import make_engagement, make_service_type


@pytest.fixture
def auditor(client_a):
    user = UserFactory.create(username="audra", timezone="Asia/Manila")
    make_member(client_a, user, Role.AUDITOR)
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def posted(client_a):
    """Client A (EUR) with the general chart and one entry of 1,234.50 EUR."""
    with_chart(client_a)
    return post_journal_entry(
        tenant=client_a,
        actor=None,
        entry=entry("2026-11-30", ("1120", 123450), ("4100", -123450), memo="Fees"),
    )


@pytest.mark.django_db
def test_audit_list_describes_events_in_words(auditor, client_a, posted):
    st = make_service_type(client_a.provider)
    make_engagement(client_a, st, code="claims", name="Claims")

    page = auditor.get(f"/t/{client_a.slug}/audit/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Engagement \u201cClaims\u201d created" in html
    assert f"Journal entry #{posted.pk} posted, dated 2026-11-30" in html
    assert "Chart of accounts \u201cgeneral\u201d applied" in html
    # the code is still there for those who search by it, but the dicts are gone
    assert "work.engagement_created" in html
    assert "{&#x27;" not in html and "{'" not in html
    # times in the viewer's zone, named
    assert "Manila time" in html


@pytest.mark.django_db
def test_audit_event_page_shows_a_field_table_with_money(auditor, client_a, posted):
    event = AuditEvent.objects.for_tenant(client_a).get(action="ledger.entry_posted")

    page = auditor.get(f"/t/{client_a.slug}/audit/{event.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    table = html[html.index('id="audit-fields"') :]
    cells = [
        re.sub(r"<[^>]+>", " ", c).strip()
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", table, re.S)
    ]
    assert cells[:2] == ["Field", "Value"]
    assert cells[2:4] == ["Date", "2026-11-30"]
    assert cells[4:6] == ["Memo", "Fees"]
    # the lines in words: 1,234.50 EUR debited to 1120 and credited to 4100
    lines = cells[cells.index("Lines") + 1]
    assert "1120 debit \u20ac1,234.50" in lines
    assert "4100 credit \u20ac1,234.50" in lines
    assert "[[" not in html and "&#x27;1120&#x27;" not in html


@pytest.mark.django_db
def test_audit_event_page_shows_before_and_after(auditor, client_a, posted):
    from backoffice.ledger.models import Period
    from backoffice.ledger.services import create_fiscal_year, set_period_lock

    create_fiscal_year(tenant=client_a, actor=None, year=2026)
    period = Period.objects.for_tenant(client_a).order_by("start").first()
    set_period_lock(tenant=client_a, actor=None, period_id=period.pk, locked=True)
    event = AuditEvent.objects.for_tenant(client_a).get(action="ledger.period_locked")

    html = auditor.get(f"/t/{client_a.slug}/audit/{event.pk}/").content.decode()

    assert f"Period \u201c{period.name}\u201d locked" in html
    assert '<th scope="col">Before</th>' in html
    assert re.search(r"<th scope=\"row\">Locked</th><td>No</td><td>Yes</td>", html)


@pytest.mark.django_db
def test_verify_chain_button_reports_an_intact_chain_in_words(auditor, client_a, posted):
    count = AuditEvent.objects.for_tenant(client_a).count()

    page = auditor.post(f"/t/{client_a.slug}/audit/verify/", follow=True)

    assert page.status_code == 200
    assert f"All {count:,} events verified, chain intact." in page.content.decode()


@pytest.mark.django_db
def test_verify_chain_button_names_the_broken_link(auditor, client_a, posted):
    event = AuditEvent.objects.for_tenant(client_a).get(action="ledger.entry_posted")
    with triggers_off():  # PostgreSQL refuses edits of audit rows: tamper as an intruder would
        AuditEvent.objects.for_tenant(client_a).filter(pk=event.pk).update(after={"memo": "x"})

    page = auditor.post(f"/t/{client_a.slug}/audit/verify/", follow=True)

    html = page.content.decode()
    assert f"The chain is broken at event #{event.number}: content does not match its hash" in html


@pytest.mark.django_db
def test_verify_chain_needs_the_audit_permission_and_a_post(client_a, auditor):
    agent = UserFactory.create(username="cuser")
    make_member(client_a, agent, Role.CLIENT_USER)
    c = Client()
    c.force_login(agent)
    assert c.post(f"/t/{client_a.slug}/audit/verify/").status_code == 403
    assert auditor.get(f"/t/{client_a.slug}/audit/verify/").status_code == 405
