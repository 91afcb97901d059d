"""Text no database can store (NUL, lone surrogates) is refused before any query runs, with
the field named: 422 with the one error body under /api/, a 400 page elsewhere."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backoffice.audit.models import AuditEvent
from backoffice.core.text import NUL_MESSAGE, SURROGATE_MESSAGE

pytestmark = pytest.mark.django_db

NUL = "a\x00b"


def _refused(res, field: str, message: str = NUL_MESSAGE) -> None:
    assert res.status_code == 422, res.content
    body = res.json()["error"]
    assert body["code"] == "validation_error"
    assert body["fields"] == {field: [message]}


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/audit/events", "action"),
        ("/api/v1/audit/events", "object_type"),
        ("/api/v1/commerce/parties", "search"),
        ("/api/v1/commerce/parties", "role"),
        ("/api/v1/commerce/products", "search"),
        ("/api/v1/commerce/payments", "direction"),
        ("/api/v1/commerce/documents", "status"),
        ("/api/v1/ledger/entries", "memo"),
        ("/api/v1/ledger/accounts", "type"),
        ("/api/v1/work/items", "state"),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_field_error_before_any_query(api_a, url, field):
    with CaptureQueriesContext(connection) as queries:
        res = api_a.get(url, {field: NUL})
    _refused(res, field)
    assert len(queries) == 0


def test_a_nul_in_a_json_string_names_its_path(api_a):
    # given: a token whose lookup is the only query the request would run before the body
    body = {"name": "ok", "role": "viewer", "days": 5, "nested": [{"memo": NUL}]}
    # when
    res = api_a.post("/api/v1/tokens", data=json.dumps(body), content_type="application/json")
    # then
    _refused(res, "nested.0.memo")


def test_a_lone_surrogate_in_json_is_refused_and_a_pair_is_text(api_a):
    # a lone surrogate can only arrive escaped in JSON; the test client cannot encode one
    lone = b'{"name": "x\\ud800y", "days": 5}'
    pair = b'{"name": "smile \\ud83d\\ude00", "days": 5}'
    res = api_a.post("/api/v1/tokens", data=lone, content_type="application/json")
    _refused(res, "name", SURROGATE_MESSAGE)
    ok = api_a.post("/api/v1/tokens", data=pair, content_type="application/json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["name"] == "smile \U0001f600"


def test_a_nul_in_a_json_key_is_refused(api_a):
    res = api_a.post(
        "/api/v1/tokens", data=b'{"na\\u0000me": "x"}', content_type="application/json"
    )
    _refused(res, "na\N{REPLACEMENT CHARACTER}me")


def test_an_escaped_backslash_before_u0000_is_plain_text(api_a):
    # "\\u0000" in JSON is the six characters \u0000, which is fine text
    res = api_a.post(
        "/api/v1/tokens", data=b'{"name": "x\\\\u0000", "days": 5}', content_type="application/json"
    )
    assert res.status_code == 201, res.content
    assert res.json()["name"] == "x\\u0000"


def test_a_nul_in_a_path_or_a_header_is_refused(api_a):
    _refused(api_a.delete("/api/v1/members/a%00b"), "path")
    _refused(api_a.get("/api/v1/me", headers={"X-Tenant": NUL}), "X-Tenant")
    res = api_a.post(
        "/api/v1/tokens",
        data=json.dumps({"name": "t"}),
        content_type="application/json",
        headers={"Idempotency-Key": NUL},
    )
    _refused(res, "Idempotency-Key")


def test_a_nul_in_a_form_field_of_the_api_is_refused(api_a):
    res = api_a.post("/api/v1/tokens", {"name": NUL})
    _refused(res, "name")


def test_pages_answer_a_400_page_naming_the_field(web_a, client_a):
    before = AuditEvent.objects.unscoped("test").count()
    got = web_a.get(f"/t/{client_a.slug}/audit/", {"action": NUL})
    assert got.status_code == 400
    assert "action" in got.content.decode() and "NUL" in got.content.decode()
    posted = web_a.post(f"/t/{client_a.slug}/tokens/", {"name": NUL, "role": "viewer"})
    assert posted.status_code == 400
    assert "name" in posted.content.decode()
    assert AuditEvent.objects.unscoped("test").count() == before


def test_clean_requests_pass_untouched(api_a, client_a):
    # the multipart error is still the view's to report, not swallowed by the check
    res = api_a.get("/api/v1/audit/events", {"action": "tenancy.member_added", "page": "1"})
    assert res.status_code == 200, res.content
    bad = api_a.generic(
        "POST", "/api/v1/tokens", b"x", content_type="multipart/form-data; boundary="
    )
    assert bad.status_code == 400


def test_a_json_body_sent_under_another_content_type_is_checked_too(api_a):
    res = api_a.post("/api/v1/tokens", data=b'{"name": "x\\u0000"}', content_type="text/plain")
    _refused(res, "name")
