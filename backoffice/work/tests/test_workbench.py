"""The agent's workbench: the form from the schema, the server's checks in plain words beside
the fields with what was typed kept, the viewer's pages behind the item's access rule, the
result as labelled fields and the agent's own figures."""

from __future__ import annotations

import html
import random
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.work import services
from backoffice.work.demo_documents import invoice_pdf
from backoffice.work.models import State, WorkItem

pytestmark = pytest.mark.django_db

# A good submission: two lines typed, a blank third line, amounts in EUR with a decimal comma.
GOOD = {
    "_action": "complete",
    "invoice_number": "R-2026-118",
    "invoice_date": "2026-11-12",
    "supplier": "Bosch",
    "currency": "EUR",
    "total": "1.180,40",
    "lines-0-description": "Drill bits",
    "lines-0-quantity": "3",
    "lines-0-unit_price": "18,90",
    "lines-1-description": "",
    "lines-1-quantity": "",
    "lines-1-unit_price": "",
    "lines-2-description": "Gloves",
    "lines-2-quantity": "2",
    "lines-2-unit_price": "4.25",
}


@pytest.fixture
def invoice_engagement(provider, client_a):
    service_type = services.create_service_type(
        provider=provider,
        actor=None,
        code="invoice-capture",
        template="invoice-capture",
        qa_sample_percent=0,
    )
    calendar = services.create_calendar(tenant=client_a, actor=None, name="cal")
    return services.create_engagement(
        tenant=client_a, actor=None, service_type=service_type, calendar=calendar, code="inv"
    )


@pytest.fixture
def held(invoice_engagement, agent, settings, tmp_path):
    """An invoice item in the agent's hands, with its scan (a two-page PDF) attached."""
    settings.MEDIA_ROOT = tmp_path
    item, _ = services.submit_item(
        engagement=invoice_engagement, actor=None, external_ref="INV-1", data={"pages": 2}
    )
    services.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
    pdf = invoice_pdf(item, "Bosch", 2, random.Random(1))
    upload = SimpleUploadedFile("INV-1.pdf", pdf, "application/pdf")
    services.add_attachment(item=item, actor=agent, upload=upload)
    return item


def _url(item, tail=""):
    return f"/t/provider/work/items/{item.pk}/{tail}"


def _error_beside(body: str, name: str) -> str:
    """The text of the error slot of input `name` (a field's or a grid cell's)."""
    field = re.search(rf'id="err-{name}"[^>]*>([^<]*)<', body)
    if field:
        return html.unescape(field.group(1))
    cell = re.search(rf'name="{name}"[^>]*>\s*<span class="cell-error"[^>]*>([^<]*)<', body)
    return html.unescape(cell.group(1)) if cell else ""


def test_the_form_is_rendered_from_the_schema(web_agent, held):
    body = web_agent.get(_url(held)).content.decode()
    # a line group is a grid with its columns and a first blank line
    assert 'data-grid="lines"' in body
    assert 'name="lines-0-description"' in body and 'name="lines-0-unit_price"' in body
    # dates, amounts and enums are proper inputs
    assert re.search(r'id="f-invoice_date" name="invoice_date" type="date"', body)
    assert re.search(r'id="f-total" name="total" type="text" inputmode="decimal"', body)
    assert '<select id="f-currency" name="currency"' in body
    # the browser's checks carry the schema's messages in plain words
    assert "Enter 0 or more." in html.unescape(body)
    assert "This field is required." in html.unescape(body)
    # the viewer shows the scan's pages, thumbnails included, and the keys are on the page
    assert _url(held, "files/") in body and "/pages/1/?size=thumb" in body
    assert "/pages/2/?size=thumb" in body
    assert 'id="shortcuts"' in body and "Keyboard shortcuts" in body
    assert 'id="history-panel"' in body


def test_refused_input_is_shown_beside_the_fields_and_kept(web_agent, held):
    bad = {
        **GOOD,
        "invoice_date": "2026-02-30",
        "supplier": "",
        "total": "1180.405",
        "lines-2-quantity": "-2",
        "lines-2-unit_price": "four",
    }
    # when the agent submits
    r = web_agent.post(_url(held, "act/"), bad)
    # then the page comes back with every problem beside its field, in plain words
    assert r.status_code == 400
    body = r.content.decode()
    assert _error_beside(body, "invoice_date") == "Enter a date."
    assert _error_beside(body, "supplier") == "This field is required."
    assert _error_beside(body, "total") == "Amounts in EUR have at most 2 decimals."
    # the blank second line is dropped, so Gloves is now line 2 (index 1)
    assert _error_beside(body, "lines-1-quantity") == "Enter 0 or more."
    assert _error_beside(body, "lines-1-unit_price") == "Enter a number, like 12.50."
    # what was typed is kept
    assert 'value="1180.405"' in body and 'value="Gloves"' in body and 'value="four"' in body
    assert 'value="2026-02-30"' in body
    # no raw paths, patterns or Python in the words
    for leak in ("lines.1", "lines[1]", "minor units", "is not of type", "{'"):
        assert leak not in html.unescape(body)
    # and nothing is written
    held.refresh_from_db()
    assert held.state == State.IN_PROGRESS and held.output is None


def test_a_good_submission_stores_the_lines_in_their_order(web_agent, held):
    r = web_agent.post(_url(held, "act/"), GOOD)
    assert r.status_code == 302 and r["Location"] == "/t/provider/work/next/"
    held.refresh_from_db()
    assert held.state == State.DONE
    # "1.180,40": the last mark, a comma, is the decimal one; "18,90" a decimal comma
    assert held.output == {
        "invoice_number": "R-2026-118",
        "invoice_date": "2026-11-12",
        "supplier": "Bosch",
        "currency": "EUR",
        "total": 1180.4,
        "lines": [
            {"description": "Drill bits", "quantity": 3, "unit_price": 18.9},
            {"description": "Gloves", "quantity": 2, "unit_price": 4.25},
        ],
    }


def test_the_finished_result_is_shown_as_labelled_fields(web_agent, held, agent):
    output = {
        "invoice_number": "R-2026-118",
        "invoice_date": "2026-11-12",
        "supplier": "Bosch",
        "currency": "EUR",
        "total": 65.2,
        "lines": [
            {"description": "Drill bits", "quantity": 3, "unit_price": 18.9},
            {"description": "Gloves", "quantity": 2, "unit_price": 4.25},
        ],
    }
    services.complete_item(item=held, actor=agent, output=output)
    body = html.unescape(web_agent.get(_url(held)).content.decode())
    result = body[body.index('id="result"') :]
    assert "<dt>Invoice number</dt><dd>R-2026-118</dd>" in result
    assert '<dt>Total</dt><dd class="num">65.20 EUR</dd>' in result
    # the lines as a table, totals worked by hand: 3 + 2 = 5; 18.90 + 4.25 = 23.15
    assert "<td>Drill bits</td><td>3</td><td>18.90 EUR</td>" in result
    assert '<td class="num">5</td><td class="num">23.15 EUR</td>' in result
    assert "{'" not in body and "'lines'" not in body


def test_pages_render_for_those_who_may_see_the_item_only(web_agent, held, agent_b_only, client):
    attachment = held.attachments.get()
    page = _url(held, f"files/{attachment.pk}/pages/")
    r = web_agent.get(page + "1/?size=thumb")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert r.content.startswith(b"\x89PNG")
    assert web_agent.get(page + "2/").content.startswith(b"\x89PNG")
    assert web_agent.get(page + "3/").status_code == 404
    # an agent of client B only: the same 404 as a missing item
    client.force_login(agent_b_only)
    assert client.get(page + "1/").status_code == 404


def test_the_agent_sees_their_own_figures(web_agent, held, invoice_engagement, agent):
    # given two items the agent finished today and one still waiting
    for ref in ("INV-2", "INV-3"):
        item, _ = services.submit_item(
            engagement=invoice_engagement, actor=None, external_ref=ref, data={"pages": 1}
        )
        services.transition_item(item=item, actor=agent, to=State.IN_PROGRESS)
        services.complete_item(
            item=item,
            actor=agent,
            output={
                "invoice_number": ref,
                "invoice_date": "2026-11-12",
                "supplier": "Bosch",
                "currency": "EUR",
                "total": 1,
            },
        )
    services.submit_item(
        engagement=invoice_engagement, actor=None, external_ref="INV-4", data={"pages": 1}
    )
    body = web_agent.get(_url(held)).content.decode()
    assert re.search(r'id="fig-done">2<', body)
    assert re.search(r'id="fig-waiting">1<', body)
    assert re.search(r'id="fig-accuracy">—<', body)  # nothing checked yet
    assert 'id="held-timer" data-since="' in body


def test_someone_not_holding_the_item_sees_no_form(web_lead, held):
    body = web_lead.get(_url(held)).content.decode()
    assert 'id="work-form"' not in body and 'id="history-inline"' in body
    assert WorkItem.objects.for_tenant(held.tenant_id).get().state == State.IN_PROGRESS


def test_reviewers_see_the_clients_data_as_labelled_fields(provider, client_a):
    from django.template.loader import render_to_string

    service_type = services.create_service_type(
        provider=provider, actor=None, code="orders", template="order-processing"
    )
    calendar = services.create_calendar(tenant=client_a, actor=None, name="cal")
    engagement = services.create_engagement(
        tenant=client_a, actor=None, service_type=service_type, calendar=calendar, code="o"
    )
    data = {
        "customer": "Markt 24",
        "urgent": True,
        "lines": [{"description": "Widget", "quantity": 4, "unit_price": 9.5}],
    }
    item, _ = services.submit_item(engagement=engagement, actor=None, external_ref="O-1", data=data)
    body = html.unescape(render_to_string("work/_client_data.html", {"item": item}))
    assert "<dt>Customer</dt><dd>Markt 24</dd>" in body
    assert "<dt>Urgent</dt><dd>Yes</dd>" in body
    assert "<td>Widget</td><td>4</td><td>9.5</td>" in body
    assert "{'" not in body and "[{" not in body
