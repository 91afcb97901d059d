"""The whole path of a project request, through the services: the client asks, the
provider quotes from its standard rates, the client accepts, and the engagement, its
calendar and SLA, and the billing contract with the quoted rate card exist and take work."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from backoffice.audit.models import AuditEvent
from backoffice.billing import pricing
from backoffice.billing.models import Charge, ContractEngagement, ContractVersion, ServiceLevel
from backoffice.portal.projects import services
from backoffice.portal.projects.models import ProjectRequest, Quote
from backoffice.portal.projects.selectors import today_in
from backoffice.portal.tests import factories_projects as f
from backoffice.tenancy.roles import Role
from backoffice.work.models import BusinessCalendar, Engagement
from backoffice.work.tests.factories import submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(provider, client_a, client_b):
    return f.ops_manager(provider, client_a)


@pytest.fixture
def st(provider, ops):
    f.books(provider)
    return f.capture_service(provider, ops)


@pytest.fixture
def alice(user_a, client_a):
    return f.access(user_a, client_a, Role.CLIENT_ADMIN)


def test_request_quote_accept_opens_the_engagement_and_contract(alice, ops, st, client_a):
    # given Acme's request for document capture, sent to the provider
    req = f.submitted(alice, st)
    assert req.status == "submitted" and req.tenant_id == st.tenant_id
    # when the operations manager quotes from the standard rates, 12 business hours, a
    # setup fee of 250.00 and a minimum of 500.00 a month, and sends it
    quote = f.sent_quote(ops, req, sla_hours=12, setup_fee=25_000, minimum_commitment=50_000)
    assert [(x.code, x.model, x.unit_rate) for x in quote.lines.all()] == [
        ("pages", "graduated", 0),
        ("items", "per_unit", 10),
    ]
    # and the client admin accepts it
    outcome = services.accept_quote(access=alice, quote_id=quote.pk)
    # then the engagement runs with the quoted service level on its own calendar
    eng = Engagement.objects.for_tenant(client_a).get(pk=outcome.engagement.pk)
    assert (eng.sla_minutes, eng.sla_basis, eng.service_type_id) == (720, "business", st.pk)
    cal = BusinessCalendar.objects.for_tenant(client_a).get(pk=eng.calendar_id)
    assert cal.timezone == "Europe/Berlin" and cal.working_hours["mon"] == [["09:00", "17:00"]]
    assert "sat" not in cal.working_hours
    # and the contract covers it with a rate card carrying the quoted charges from today
    contract = outcome.contract
    assert ContractEngagement.objects.for_tenant(contract.tenant_id).get().engagement_id == eng.pk
    (version,) = ContractVersion.objects.for_tenant(contract.tenant_id).filter(contract=contract)
    assert (version.setup_fee, version.minimum_commitment) == (25_000, 50_000)
    assert version.effective_from == today_in("Europe/Berlin")
    rows = Charge.objects.for_tenant(contract.tenant_id).filter(version=version)
    charges = {c.code: c for c in rows}
    assert charges["items"].unit_rate == 10 and charges["pages"].model == "graduated"
    tiers = [(t.from_units, t.up_to, t.unit_rate) for t in charges["pages"].tiers.all()]
    assert tiers == [(Decimal(0), Decimal(1000), 45), (Decimal(1000), None, 30)]
    sl = ServiceLevel.objects.for_tenant(contract.tenant_id).get(version=version)
    assert (sl.engagement_id, sl.metric, sl.target_percent) == (eng.pk, "on_time", 95)
    # and 1,500 pages of a month cost 1,000 x 0.45 + 500 x 0.30 = 600.00 at that rate card
    spec = pricing.ChargeSpec("graduated", tiers=tuple(pricing.Tier(*t) for t in tiers))
    assert pricing.price_segment(spec, offset=Decimal(0), units=Decimal(1500)).amount == 60_000
    # and the request and quote say so, every step audited in the provider's chain
    req.refresh_from_db()
    quote.refresh_from_db()
    assert (req.status, req.engagement_id, req.contract_id) == ("accepted", eng.pk, contract.pk)
    assert quote.status == "accepted" and quote.decided_by_id == alice.user.pk
    actions = list(
        AuditEvent.objects.for_tenant(st.tenant_id)
        .filter(action__startswith="portal.request")
        .values_list("action", flat=True)
    ) + list(
        AuditEvent.objects.for_tenant(st.tenant_id)
        .filter(action__startswith="portal.quote")
        .values_list("action", flat=True)
    )
    assert actions == [
        "portal.request_drafted",
        "portal.request_submitted",
        "portal.quote_drafted",
        "portal.quote_sent",
        "portal.quote_accepted",
    ]
    # and the new engagement takes work at once
    item = submit(eng, "INV-1", actor=alice.user, name="Invoice 1", amount=10)
    assert item.engagement_id == eng.pk and item.state == "queued"


def test_change_request_adds_a_rate_card_and_changes_the_service_level(alice, ops, st):
    req = f.submitted(alice, st)
    first = services.accept_quote(access=alice, quote_id=f.sent_quote(ops, req).pk)
    # given the running engagement, the client asks for a faster turnaround
    change = f.submitted(
        alice, None, kind="change", engagement_id=first.engagement.pk, title="Rush lane"
    )
    assert change.service_type_id == st.pk
    start = services.starting_quote(ops, change)
    assert [x.code for x in start.lines] == ["pages", "items"]  # from the running rate card
    items = services.LineIn("items", "Documents", "items", unit_rate=15)
    quote = f.sent_quote(ops, change, sla_hours=4, lines=[start.lines[0], items])
    outcome = services.accept_quote(access=alice, quote_id=quote.pk)
    # then the same engagement and contract, a second rate card from tomorrow (the first
    # started today and now ends today), and the 4-hour service level
    assert outcome.engagement.pk == first.engagement.pk
    assert outcome.contract.pk == first.contract.pk
    versions = list(
        ContractVersion.objects.for_tenant(st.tenant_id)
        .filter(contract=first.contract)
        .order_by("number")
    )
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].effective_to == versions[1].effective_from - timedelta(days=1)
    charge = Charge.objects.for_tenant(st.tenant_id).get(version=versions[1], code="items")
    assert charge.unit_rate == 15
    eng = Engagement.objects.for_tenant(alice.tenant).get(pk=first.engagement.pk)
    assert eng.sla_minutes == 240


def test_a_declined_quote_can_be_followed_by_another(alice, ops, st):
    req = f.submitted(alice, st)
    q1 = f.sent_quote(ops, req)
    services.decline_quote(access=alice, quote_id=q1.pk, reason="Too expensive")
    req.refresh_from_db()
    assert req.status == "declined"
    q2 = f.sent_quote(ops, req, setup_fee=0)
    assert q2.number == 2
    services.accept_quote(access=alice, quote_id=q2.pk)
    assert Quote.objects.for_tenant(req.tenant_id).get(pk=q1.pk).status == "declined"
    assert ProjectRequest.objects.for_tenant(req.tenant_id).get(pk=req.pk).status == "accepted"


def test_sending_a_new_quote_withdraws_the_one_sent_before(alice, ops, st):
    req = f.submitted(alice, st)
    q1 = f.sent_quote(ops, req)
    q2 = f.sent_quote(ops, req, setup_fee=10_000)
    assert Quote.objects.for_tenant(req.tenant_id).get(pk=q1.pk).status == "withdrawn"
    assert q2.status == "sent"
