"""Billing pages through the Django test client: who may open what (finance yes, an agent
403, a client admin only its own, another tenant's ids 404), the figures a page shows, and
bad input on every form kept and explained with nothing written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from backoffice.billing import services
from backoffice.billing.models import (
    BillingInvoice,
    BillingRun,
    Contract,
    ContractVersion,
    Dispute,
    UsageLine,
)
from backoffice.billing.tests import factories as f
from backoffice.ledger.money import display
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db
OCTOBER = "2026-10"


def _web(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _u(tenant: Organization, name: str, **kw) -> str:
    return reverse(f"billing:{name}", kwargs={"tenant": tenant.slug, **kw})


@pytest.fixture
def finance(provider):
    user = UserFactory.create(username="fiona")
    make_member(provider, user, Role.FINANCE)
    return _web(user)


@pytest.fixture
def agent(provider):
    user = UserFactory.create(username="arno")
    make_member(provider, user, Role.AGENT)
    return _web(user)


@pytest.fixture
def october(plain, eng_a):
    """Client A's October: 12 items → 10 x 1.00 + 2 x 0.50 = 11.00 USD, drafted by a run."""
    for n in range(12):
        f.done_item(eng_a, f"OCT-{n}", f.berlin("2026-10-06T10:00") + timedelta(minutes=n))
    services.run_billing(tenant=plain.tenant, actor=None, period=services.parse_period(OCTOBER))
    return BillingInvoice.objects.for_tenant(plain.tenant).get()


@pytest.fixture
def globex(provider_books, client_b, eng_b):
    """Client B's own contract and October invoice (an empty month: nothing billed)."""
    c = f.contract(provider_books, client_b, [eng_b], code="globex")
    f.version(c, "2026-01-01", recurring_fee=50_000, recurring_label="A dedicated agent")
    services.run_billing(
        tenant=provider_books, actor=None, period=services.parse_period(OCTOBER),
        client_id=client_b.pk,
    )  # fmt: skip
    return BillingInvoice.objects.for_tenant(provider_books).get(contract=c)


# --- who sees what --------------------------------------------------------------------------


def test_finance_opens_every_page_and_sees_the_figures(finance, provider, october, plain):
    line = UsageLine.objects.for_tenant(provider).get(invoice=october, kind="usage")
    run = BillingRun.objects.for_tenant(provider).get()
    pages = {
        "index": {},
        "invoices": {},
        "runs": {},
        "estimate": {},
        "contract_new": {},
        "contract": {"contract_id": plain.pk},
        "version_new": {"contract_id": plain.pk},
        "run": {"run_id": run.pk},
        "run_progress": {"run_id": run.pk},
        "invoice": {"invoice_id": october.pk},
        "invoice_line": {"invoice_id": october.pk, "line_id": line.pk},
    }
    for name, kw in pages.items():
        r = finance.get(_u(provider, name, **kw))
        assert r.status_code == 200, name
    page = finance.get(_u(provider, "invoice", invoice_id=october.pk)).content.decode()
    # 10 items at 1.00 and 2 at 0.50: the line, its tiers and the total
    assert "12 items completed (rate card v1)" in page
    assert "0-10: 10 at 1.00; 10+: 2 at 0.50" in page
    assert display(1_100, october.currency) in page
    drill = finance.get(_u(provider, "invoice_line", invoice_id=october.pk, line_id=line.pk))
    text = drill.content.decode()
    assert "OCT-0" in text and "OCT-11" in text and "in_progress" in text


def test_an_agent_may_not_open_billing(agent, provider, october):
    assert agent.get(_u(provider, "index")).status_code == 403
    assert agent.get(_u(provider, "invoice", invoice_id=october.pk)).status_code == 403


def test_a_client_admin_sees_only_its_own(web_a, client_a, october, globex, plain):
    # given client A's admin (web_a) and client B's invoice (globex)
    index = web_a.get(_u(client_a, "index")).content.decode()
    assert plain.name in index and globex.contract.name not in index
    # its own October invoice is still a draft: the provider's until issued
    assert web_a.get(_u(client_a, "invoice", invoice_id=october.pk)).status_code == 404
    assert web_a.get(_u(client_a, "estimate")).status_code == 200
    # another client's invoice, contract and statement are not found
    assert web_a.get(_u(client_a, "invoice", invoice_id=globex.pk)).status_code == 404
    assert web_a.get(_u(client_a, "contract", contract_id=globex.contract_id)).status_code == 404
    export = _u(client_a, "statement_export", invoice_id=globex.pk, fmt="csv")
    assert web_a.get(export).status_code == 404
    # and it may change nothing
    act = _u(client_a, "invoice_action", invoice_id=october.pk)
    assert web_a.post(act, {"action": "approve"}).status_code == 403
    assert BillingInvoice.objects.for_tenant(october.tenant).get(pk=october.pk).status == "draft"
    assert web_a.post(_u(client_a, "runs"), {"period": OCTOBER}).status_code == 403


def test_another_clients_ids_are_not_found(user_b, client_b, october, plain):
    # given client B's admin and client A's contract, run, invoice and usage line
    web_b = _web(user_b)
    line = UsageLine.objects.for_tenant(october.tenant).filter(invoice=october).first()
    assert line is not None
    run = BillingRun.objects.for_tenant(october.tenant).get()
    for name, kw in [
        ("invoice", {"invoice_id": october.pk}),
        ("contract", {"contract_id": plain.pk}),
        ("run", {"run_id": run.pk}),
        ("run_progress", {"run_id": run.pk}),
        ("invoice_line", {"invoice_id": october.pk, "line_id": line.pk}),
        ("statement_export", {"invoice_id": october.pk, "fmt": "xlsx"}),
    ]:
        assert web_b.get(_u(client_b, name, **kw)).status_code == 404, name
    # and client B's billing pages name nothing of client A's
    for name in ("index", "invoices", "runs", "estimate"):
        page = web_b.get(_u(client_b, name)).content.decode()
        assert plain.name not in page, name
    # a client's page of another tenant (a tenant it is no member of) is not found either
    assert web_b.get(_u(october.client, "index")).status_code == 404


def test_the_statement_downloads_as_csv_and_xlsx(finance, provider, october):
    csv = finance.get(_u(provider, "statement_export", invoice_id=october.pk, fmt="csv"))
    assert csv.status_code == 200
    body = csv.content.decode()
    assert "Items: 12 items completed (rate card v1)" in body and "11.0" in body
    xlsx = finance.get(_u(provider, "statement_export", invoice_id=october.pk, fmt="xlsx"))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert (
        finance.get(_u(provider, "statement_export", invoice_id=october.pk, fmt="pdf")).status_code
        == 404
    )


# --- review: adjust, approve, issue ---------------------------------------------------------


def test_finance_adjusts_approves_and_issues(finance, provider, october):
    act = _u(provider, "invoice_action", invoice_id=october.pk)
    # a credit of 1.50 for a mis-keyed batch: 11.00 - 1.50 = 9.50
    r = finance.post(act, {"action": "adjust", "amount": "-1.50", "description": "Batch 7"})
    assert r.status_code == 302
    inv = BillingInvoice.objects.for_tenant(provider).get(pk=october.pk)
    assert (inv.charges_total, inv.credits_total, inv.total) == (1_100, 150, 950)
    assert finance.post(act, {"action": "approve"}).status_code == 302
    # approving twice is refused in words, nothing changes
    again = finance.post(act, {"action": "approve"})
    assert again.status_code == 409
    assert "already approved" in again.content.decode()
    assert finance.post(act, {"action": "issue"}).status_code == 302
    inv.refresh_from_db()
    assert inv.status == "issued" and inv.document is not None
    assert inv.document.status == "issued"


def test_a_bad_adjustment_is_explained_and_kept(finance, provider, october):
    act = _u(provider, "invoice_action", invoice_id=october.pk)
    r = finance.post(act, {"action": "adjust", "amount": "twelve", "description": "Oops"})
    assert r.status_code == 400
    page = r.content.decode()
    assert 'value="twelve"' in page and 'value="Oops"' in page
    assert f"an amount in {october.currency}" in page
    r = finance.post(act, {"action": "adjust", "amount": "5", "description": "  "})
    assert r.status_code == 400 and "Say what the adjustment is for" in r.content.decode()
    assert UsageLine.objects.for_tenant(provider).filter(kind="adjustment").count() == 0
    # issuing a draft is refused: approve first
    r = finance.post(act, {"action": "issue"})
    assert r.status_code == 400 and "Approve the invoice before issuing it" in r.content.decode()
    # a credit note is for an issued invoice only
    r = finance.post(act, {"action": "credit", "amount": "2", "description": "Disputed"})
    assert r.status_code == 400 and "Only an issued invoice can be credited" in r.content.decode()
    assert BillingInvoice.objects.for_tenant(provider).get(pk=october.pk).status == "draft"


def test_a_credit_without_a_reason_keeps_the_amount(finance, provider, october):
    act = _u(provider, "invoice_action", invoice_id=october.pk)
    finance.post(act, {"action": "approve"})
    finance.post(act, {"action": "issue"})
    r = finance.post(act, {"action": "credit", "amount": "3.00", "description": ""})
    assert r.status_code == 400
    page = r.content.decode()
    assert 'id="cr-reason-errors"' in page and 'value="3.00"' in page
    r = finance.post(act, {"action": "credit", "amount": "3.00", "description": "Batch 9 rekeyed"})
    assert r.status_code == 302
    assert Dispute.objects.for_tenant(provider).filter(invoice=october).count() == 1


# --- runs ---------------------------------------------------------------------------------


def test_a_run_started_from_the_page_drafts_the_month(finance, provider, plain, eng_a):
    f.done_item(eng_a, "SEP-1", f.berlin("2026-09-10T10:00"))
    r = finance.post(_u(provider, "runs"), {"period": "2026-09", "client": ""})
    assert r.status_code == 302
    run = BillingRun.objects.for_tenant(provider).get()
    assert r["Location"] == _u(provider, "run", run_id=run.pk)
    done = finance.post(_u(provider, "run_continue", run_id=run.pk), HTTP_HX_REQUEST="true")
    assert done["HX-Redirect"] == _u(provider, "run", run_id=run.pk)
    page = finance.get(_u(provider, "run", run_id=run.pk)).content.decode()
    assert "1 of 1 contract billed" in page and "Done" in page
    inv = BillingInvoice.objects.for_tenant(provider).get()
    assert inv.charges_total == 100  # one item at 1.00
    # the same month again: the same run, nothing written
    again = finance.post(_u(provider, "runs"), {"period": "2026-09", "client": ""})
    assert again["Location"] == r["Location"]
    assert BillingInvoice.objects.for_tenant(provider).count() == 1


@pytest.mark.parametrize(
    ("period", "client", "words"),
    [
        ("September", "", "a month, like 2026-11"),
        ("2999-01", "", "That month has not started yet"),
        ("2026-09", "999999", "No such client"),
    ],
)
def test_a_bad_run_is_refused_beside_its_field(finance, provider, plain, period, client, words):
    r = finance.post(_u(provider, "runs"), {"period": period, "client": client})
    assert r.status_code in (400, 404)
    page = r.content.decode()
    assert words in page and f'value="{period}"' in page
    assert BillingRun.objects.for_tenant(provider).count() == 0


# --- the contract and rate-card editor ----------------------------------------------------


def test_a_contract_is_created_from_the_form(finance, provider_books, client_b, eng_b):
    r = finance.post(
        _u(provider_books, "contract_new"),
        {"client": client_b.pk, "code": "b-main", "name": "B main",
         "currency": client_b.currency.lower(), "payment_terms_days": "20",
         "engagements": [eng_b.pk]},
    )  # fmt: skip
    created = Contract.objects.for_tenant(provider_books).get(code="b-main")
    assert r.status_code == 302
    assert r["Location"] == _u(provider_books, "version_new", contract_id=created.pk)
    assert (created.currency, created.payment_terms_days) == (client_b.currency, 20)


def test_a_bad_contract_is_explained_beside_the_fields(finance, provider_books, client_b, eng_b):
    r = finance.post(
        _u(provider_books, "contract_new"),
        {"client": client_b.pk, "code": "", "name": "Keep me", "currency": client_b.currency,
         "payment_terms_days": "400", "engagements": [eng_b.pk]},
    )  # fmt: skip
    assert r.status_code == 400
    page = r.content.decode()
    assert 'id="k-code-errors"' in page and "between 0 and 365 days" in page
    assert 'value="Keep me"' in page and 'value="400"' in page
    r = finance.post(_u(provider_books, "contract_new"), {"code": "x", "name": "X"})
    assert "choose the client" in r.content.decode()
    assert "choose at least one engagement" in r.content.decode()
    assert not Contract.objects.for_tenant(provider_books).exists()


def _rate_card(**over):
    data = {
        "effective_from": "2026-11-01", "effective_to": "", "recurring_fee": "250.00",
        "recurring_label": "Dedicated agent", "minimum_commitment": "", "setup_fee": "",
        "at_risk_percent": "10", "pool_cap_percent": "10",
        "c0-code": "items", "c0-name": "Items", "c0-metric": "items", "c0-model": "graduated",
        "c0-unit_rate": "", "c0-per_units": "1", "c0-free_units": "", "c0-package_size": "",
        "c0-engagement": "", "c0-min_priority": "", "c0-product": "",
        "c0-tier_from": ["0", "1000"], "c0-tier_to": ["1000", ""],
        "c0-tier_rate": ["0.50", "0.40"], "c0-tier_fee": ["", ""],
    }  # fmt: skip
    data.update(over)
    return data


def test_a_rate_card_with_tiers_is_saved(finance, provider, plain):
    # v1 of `plain` is open-ended from January: end it in October, then add November's
    v1 = ContractVersion.objects.for_tenant(provider).get(contract=plain)
    end = _u(provider, "version_end", contract_id=plain.pk, version_id=v1.pk)
    assert finance.post(end, {"effective_to": "2026-10-31"}).status_code == 302
    r = finance.post(_u(provider, "version_new", contract_id=plain.pk), _rate_card())
    assert r.status_code == 302
    v2 = ContractVersion.objects.for_tenant(provider).get(contract=plain, number=2)
    assert (v2.recurring_fee, str(v2.at_risk_percent)) == (25_000, "10.000")
    tiers = [(str(t.from_units), t.up_to, t.unit_rate) for t in v2.charges.get().tiers.all()]
    assert tiers[0][2] == 50 and tiers[1][2] == 40 and tiers[1][1] is None


@pytest.mark.parametrize(
    ("over", "words"),
    [
        ({"c0-tier_from": ["0", "1200"]}, "gap"),
        ({"c0-tier_rate": ["-0.50", "0.40"]}, "prices cannot be negative"),
        ({"recurring_fee": "-5"}, "an amount, not negative"),
        ({"recurring_fee": "lots"}, "an amount in"),
        ({"effective_from": "2026-06-01"}, "overlaps version 1"),
        ({"c0-model": "package"}, "a package charge needs a package size"),
    ],
)
def test_a_bad_rate_card_keeps_what_was_typed(finance, provider, plain, over, words):
    r = finance.post(_u(provider, "version_new", contract_id=plain.pk), _rate_card(**over))
    assert r.status_code == 400
    page = r.content.decode()
    assert words in page, page[page.find("errorlist") - 200 : page.find("errorlist") + 600]
    # every tier row and field comes back as typed
    assert 'value="Dedicated agent"' in page and 'name="c0-tier_to" value="1000"' in page
    assert "charges[0]" not in page and "minor units" not in page
    assert ContractVersion.objects.for_tenant(provider).filter(contract=plain).count() == 1


def test_ending_a_version_with_a_bad_day_is_refused(finance, provider, plain):
    v1 = ContractVersion.objects.for_tenant(provider).get(contract=plain)
    end = _u(provider, "version_end", contract_id=plain.pk, version_id=v1.pk)
    r = finance.post(end, {"effective_to": "2025-01-01"}, follow=True)
    assert "cannot end before it starts" in r.content.decode()
    v1.refresh_from_db()
    assert v1.effective_to is None


# --- the month to date and revenue ----------------------------------------------------------


def test_the_month_to_date_shows_work_not_billed_yet(web_a, client_a, plain, eng_a):
    from django.utils import timezone

    now = timezone.now()
    for n in range(3):
        f.done_item(eng_a, f"NOW-{n}", now - timedelta(minutes=5 + n))
    page = web_a.get(_u(client_a, "estimate")).content.decode()
    # 3 items this month at 1.00 (the first tier)
    assert "What this month will cost so far" in page
    assert display(300, plain.currency) in page


def test_the_revenue_chart_counts_issued_invoices(finance, provider, october):
    from datetime import date
    from decimal import Decimal

    from backoffice.ledger import money
    from backoffice.ledger.services.rates import set_exchange_rate

    act = _u(provider, "invoice_action", invoice_id=october.pk)
    finance.post(act, {"action": "approve"})
    finance.post(act, {"action": "issue"})
    page = finance.get(_u(provider, "index")).content.decode()
    assert "Revenue by client, by month" in page and "Oct 2026" in page
    # given the provider's books value the invoice's currency at 2 on 31 October
    set_exchange_rate(
        tenant=provider, actor=None, day=date(2026, 10, 31), base=october.currency,
        quote=provider.currency, rate=Decimal(2),
    )  # fmt: skip
    page = finance.get(_u(provider, "index")).content.decode()
    # then Client A's October, 11.00, is 22 in the provider's currency, by client and service
    assert f"Client A: Oct 2026 22 {provider.currency}." in page
    assert f"Items: Oct 2026 22 {provider.currency}." in page
    assert "Not included" not in page
    assert money.rate_on(provider, october.currency, date(2026, 10, 31)) == 2
