"""The project pages: the client asks and decides, the provider quotes; refusals beside
their fields with what was typed kept; another client's request is a 404."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from backoffice.portal.projects.models import ProjectRequest, Quote, StandardRate
from backoffice.portal.tests import factories_projects as f
from backoffice.tenancy.roles import Role
from backoffice.work.models import Engagement

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(provider, client_a):
    return f.ops_manager(provider, client_a)


@pytest.fixture
def st(provider, ops):
    f.books(provider)
    return f.capture_service(provider, ops)


@pytest.fixture
def web_ops(ops):
    c = Client()
    c.force_login(ops.user)
    return c


def _form(st, **kw):
    values = {
        "kind": "new",
        "service": str(st.pk),
        "title": "Supplier invoices",
        "description": "Invoices keyed into our ERP format.",
        "expected_volume": "4,000",
        "volume_unit": "invoices a month",
        "deadline": (date.today() + timedelta(days=10)).isoformat(),
        "languages": "German, English",
        "send": "1",
    }
    values.update(kw)
    return values


def test_client_requests_provider_quotes_client_accepts(web_a, web_ops, st, client_a, provider):
    base_a, base_p = f"/t/{client_a.slug}/portal", f"/t/{provider.slug}/portal"
    page = web_a.get(f"{base_a}/projects/new/")
    assert page.status_code == 200 and "Document capture" in page.text
    assert "Something else" in page.text
    r = web_a.post(f"{base_a}/projects/new/", _form(st))
    assert r.status_code == 302
    req = ProjectRequest.objects.for_tenant(provider).get()
    assert (req.status, req.expected_volume) == ("submitted", 4000)
    # the provider's queue lists it; the editor starts from the standard rates
    queue = web_ops.get(f"{base_p}/requests/", {"q": "supplier", "client": str(client_a.pk)})
    assert "Supplier invoices" in queue.text and "Client A" in queue.text
    editor = web_ops.get(f"{base_p}/requests/{req.pk}/quote/")
    assert editor.status_code == 200
    assert 'value="0, 1000, 0.45\n1000, , 0.30"' in editor.text or "0, 1000, 0.45" in editor.text
    post = {
        "service": str(st.pk), "currency": "EUR",
        "valid_until": (date.today() + timedelta(days=30)).isoformat(),
        "sla_hours": "8", "sla_basis": "business", "sla_target_percent": "95",
        "setup_fee": "250.00", "minimum_commitment": "", "recurring_fee": "",
        "timezone": "Europe/Berlin", "work_days": ["mon", "tue", "wed", "thu", "fri"],
        "day_start": "08:00", "day_end": "18:00", "holiday_country": "DE", "notes": "",
        "line_code": ["pages", ""], "line_name": ["Pages keyed", ""],
        "line_metric": ["pages", ""], "line_model": ["graduated", ""],
        "line_price": ["", ""], "line_per_units": ["1", ""], "line_free_units": ["", ""],
        "line_package_size": ["", ""], "line_tiers": ["0, 1000, 0.45\n1000, , 0.30", ""],
        "send": "1",
    }  # fmt: skip
    sent = web_ops.post(f"{base_p}/requests/{req.pk}/quote/", post)
    assert sent.status_code == 302, sent.content.decode()[:2000]
    quote = Quote.objects.for_tenant(provider).get()
    assert (quote.status, quote.setup_fee, quote.sla_minutes) == ("sent", 25_000, 480)
    # the client sees the quote, money formatted, and accepts it
    view = web_a.get(f"{base_a}/requests/{req.pk}/")
    assert "€250.00" in view.text and "€0.45" in view.text and "Accept this quote" in view.text
    done = web_a.post(
        f"{base_a}/requests/{req.pk}/act/", {"action": "accept", "quote": str(quote.pk)}
    )
    assert done.status_code == 302
    eng = Engagement.objects.for_tenant(client_a).get()
    assert eng.sla_minutes == 480
    after = web_a.get(f"{base_a}/requests/{req.pk}/")
    main = after.text.split('<main id="main"')[1]
    assert "Accepted" in main, main[:3000]
    assert "send it work" in main, main[:3000]


def test_a_bad_request_form_keeps_what_was_typed(web_a, st, client_a):
    past = (date.today() - timedelta(days=1)).isoformat()
    r = web_a.post(
        f"/t/{client_a.slug}/portal/projects/new/",
        _form(st, description="", deadline=past, title="Keep me"),
    )
    assert r.status_code == 400
    assert 'value="Keep me"' in r.text
    assert "Describe the work" in r.text and "The deadline has passed" in r.text
    assert "Traceback" not in r.text and "description:" not in r.text


def test_negative_price_in_the_editor_is_refused_in_words(web_a, web_ops, st, client_a, provider):
    web_a.post(f"/t/{client_a.slug}/portal/projects/new/", _form(st))
    req = ProjectRequest.objects.for_tenant(provider).get()
    post = {
        "service": str(st.pk), "currency": "EUR",
        "valid_until": (date.today() + timedelta(days=30)).isoformat(),
        "sla_hours": "8", "sla_basis": "business", "sla_target_percent": "95",
        "setup_fee": "", "minimum_commitment": "", "recurring_fee": "",
        "timezone": "Europe/Berlin", "work_days": ["mon"], "day_start": "09:00",
        "day_end": "17:00", "holiday_country": "", "notes": "",
        "line_code": ["items"], "line_name": ["Documents"], "line_metric": ["items"],
        "line_model": ["per_unit"], "line_price": ["-0.10"], "line_per_units": ["1"],
        "line_free_units": [""], "line_package_size": [""], "line_tiers": [""], "send": "1",
    }  # fmt: skip
    r = web_ops.post(f"/t/{provider.slug}/portal/requests/{req.pk}/quote/", post)
    assert r.status_code == 400
    assert "Line 1 (Documents) price: a price cannot be negative" in r.text
    assert 'value="-0.10"' in r.text
    assert Quote.objects.for_tenant(provider).count() == 0


def test_another_clients_request_page_is_not_found(web_a, st, client_b, user_b, client_a):
    b = f.access(user_b, client_b, Role.CLIENT_ADMIN)
    req = f.submitted(b, st)
    assert web_a.get(f"/t/{client_a.slug}/portal/requests/{req.pk}/").status_code == 404
    r = web_a.post(f"/t/{client_a.slug}/portal/requests/{req.pk}/act/", {"action": "withdraw"})
    assert r.status_code == 404
    # and the list shows only its own
    assert "Supplier invoices" not in web_a.get(f"/t/{client_a.slug}/portal/projects/").text


def test_samples_attach_with_the_request_and_download(web_a, st, client_a, provider, ops):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("invoice.pdf", b"%PDF-1.4 one", content_type="application/pdf")
    r = web_a.post(f"/t/{client_a.slug}/portal/projects/new/", {**_form(st), "samples": [pdf]})
    assert r.status_code == 302
    req = ProjectRequest.objects.for_tenant(provider).get()
    sample = req.samples.model.objects.for_tenant(provider).get()
    page = web_a.get(f"/t/{client_a.slug}/portal/requests/{req.pk}/")
    assert "invoice.pdf" in page.text
    got = web_a.get(f"/t/{client_a.slug}/portal/requests/{req.pk}/samples/{sample.pk}/")
    assert got.status_code == 200 and got.content == b"%PDF-1.4 one"
    # a disallowed file refuses the whole request, in words, and keeps what was typed
    exe = SimpleUploadedFile("tool.exe", b"MZ", content_type="application/octet-stream")
    r = web_a.post(
        f"/t/{client_a.slug}/portal/projects/new/", {**_form(st, title="Second"), "samples": [exe]}
    )
    assert r.status_code == 400 and 'value="Second"' in r.text
    assert "this type of file is not accepted" in r.text
    assert ProjectRequest.objects.for_tenant(provider).count() == 1


def test_the_request_has_one_thread_for_both_sides(web_a, web_ops, st, client_a, provider, ops):
    from backoffice.conversations.models import Thread

    web_a.post(f"/t/{client_a.slug}/portal/projects/new/", _form(st))
    req = ProjectRequest.objects.for_tenant(provider).get()
    r = web_ops.post(f"/t/{provider.slug}/portal/requests/{req.pk}/thread/")
    assert r.status_code == 302 and "/conversations/threads/" in r.url
    thread = Thread.objects.for_tenant(client_a).get()
    assert (thread.subject_kind, thread.subject_id) == ("request", req.pk)
    assert thread.title == "Project request: Supplier invoices"
    again = web_a.post(f"/t/{client_a.slug}/portal/requests/{req.pk}/thread/")
    assert again.status_code == 302 and again.url.endswith(f"/threads/{thread.pk}/")
    assert Thread.objects.for_tenant(client_a).count() == 1
    assert web_a.get(again.url).status_code == 200


def test_the_standard_rates_page_sets_a_rate_and_refuses_a_negative_one(web_ops, st, provider):
    page = web_ops.get(f"/t/{provider.slug}/portal/standard-rates/")
    assert page.status_code == 200 and "Pages keyed" in page.text and "€0.45" in page.text
    form = {
        "service": str(st.pk), "code": "rush", "name": "Rush documents", "currency": "EUR",
        "metric": "items", "model": "per_unit", "price": "0.25", "per_units": "1",
        "free_units": "", "package_size": "", "tiers": "",
    }  # fmt: skip
    assert web_ops.post(f"/t/{provider.slug}/portal/standard-rates/", form).status_code == 302
    rate = StandardRate.objects.for_tenant(provider).get(code="rush")
    assert (rate.unit_rate, rate.currency) == (25, "EUR")
    bad = web_ops.post(
        f"/t/{provider.slug}/portal/standard-rates/", {**form, "code": "x", "price": "-1"}
    )
    assert bad.status_code == 400 and "a price cannot be negative" in bad.text
    assert 'value="-1"' in bad.text
    assert not StandardRate.objects.for_tenant(provider).filter(code="x").exists()


def test_a_client_cannot_open_the_provider_pages(web_a, client_a, provider, st):
    assert web_a.get(f"/t/{client_a.slug}/portal/standard-rates/").status_code == 403
    assert web_a.get(f"/t/{provider.slug}/portal/requests/").status_code == 404
