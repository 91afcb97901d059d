import json

import pytest

from backoffice.ledger.models import Account, JournalEntry

pytestmark = pytest.mark.django_db
API = "/api/v1/ledger"


def _post(client, path, body, **headers):
    return client.post(
        f"{API}{path}", data=json.dumps(body), content_type="application/json", headers=headers
    )


SALE = {
    "date": "2026-03-02",
    "memo": "Cash sale",
    "lines": [{"account": "1120", "debit": 15000}, {"account": "4100", "credit": 15000}],
}


def test_post_entry_then_get_and_list(fin_a):
    # when
    res = _post(fin_a, "/entries", SALE)
    # then
    assert res.status_code == 201, res.content
    body = res.json()
    assert [ln["amount"] for ln in body["lines"]] == [15000, -15000]
    got = fin_a.get(f"{API}/entries/{body['id']}").json()
    assert got["memo"] == "Cash sale"
    listed = fin_a.get(f"{API}/entries", {"account": "1120", "memo": "cash"}).json()
    assert listed["count"] == 1


def test_unbalanced_entry_gives_field_error(fin_a):
    # given
    body = {**SALE, "lines": [{"account": "1120", "amount": 5}, {"account": "4100", "amount": -4}]}
    # when
    res = _post(fin_a, "/entries", body)
    # then
    assert res.status_code == 400
    assert "does not balance" in res.json()["error"]["fields"]["lines"][0]


def test_domain_key_returns_original_and_header_key_replays(fin_a):
    # given
    body = {**SALE, "idempotency_key": "sale-1"}
    first = _post(fin_a, "/entries", body)
    # when
    again = _post(fin_a, "/entries", body)
    replay = _post(fin_a, "/entries", SALE, **{"Idempotency-Key": "h1"})
    replay2 = _post(fin_a, "/entries", SALE, **{"Idempotency-Key": "h1"})
    # then
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert replay.json()["id"] == replay2.json()["id"]
    assert JournalEntry.objects.unscoped("test").count() == 2


def test_bulk_and_reverse_and_reports(fin_a):
    # given
    bulk = {"entries": [SALE, {**SALE, "date": "2026-03-03"}]}
    res = _post(fin_a, "/entries/bulk", bulk)
    assert res.status_code == 201 and res.json()["created"] == 2
    # when
    rev = _post(fin_a, f"/entries/{res.json()['first_id']}/reverse", {})
    # then
    assert rev.status_code == 201 and rev.json()["reverses"] == res.json()["first_id"]
    again = _post(fin_a, f"/entries/{res.json()['first_id']}/reverse", {})
    assert again.status_code == 409
    tb = fin_a.get(f"{API}/reports/trial-balance").json()
    assert tb["totals"]["per_currency"]["EUR"] == {"debit": 15000, "credit": 15000}
    inc = fin_a.get(f"{API}/reports/income-statement", {"start": "2026-03-01", "end": "2026-03-31"})
    assert inc.json()["totals"]["net_income"] == 15000
    bs = fin_a.get(f"{API}/reports/balance-sheet", {"as_of": "2026-03-31"}).json()
    assert bs["totals"]["assets"] == bs["totals"]["liabilities_and_equity"] == 15000
    bank = Account.objects.unscoped("test").get(tenant__slug="client-a", code="1120")
    gl = fin_a.get(f"{API}/reports/general-ledger/{bank.pk}").json()
    assert [x["running"] for x in gl["lines"]] == [15000, 0, 15000]
    bal = fin_a.get(f"{API}/balances").json()
    assert {(b["code"], b["balance"]) for b in bal} == {("1120", 15000), ("4100", -15000)}


def test_accounts_create_update_tree(fin_a):
    # when
    res = _post(
        fin_a, "/accounts", {"code": "1125", "name": "Savings", "type": "asset", "parent": "1100"}
    )
    # then
    assert res.status_code == 201, res.content
    acc = res.json()
    patched = fin_a.patch(
        f"{API}/accounts/{acc['id']}", data={"is_active": False}, content_type="application/json"
    )
    assert patched.json()["is_active"] is False
    tree = fin_a.get(f"{API}/accounts/tree").json()
    assets = next(n for n in tree if n["code"] == "1000")
    cash = next(n for n in assets["children"] if n["code"] == "1100")
    assert "1125" in [c["code"] for c in cash["children"]]
    assert fin_a.get(f"{API}/accounts").json()["count"] > 20


def test_client_admin_reads_but_cannot_post(api_a, books_a):
    # when
    res = _post(api_a, "/entries", SALE)
    # then
    assert res.status_code == 403
    assert api_a.get(f"{API}/reports/trial-balance").status_code == 200


def test_periods_lock_by_finance(fin_a, api_a):
    # given
    periods = _post(fin_a, "/fiscal-years", {"year": 2026}).json()
    march = next(p for p in periods if p["name"] == "2026-03")
    # when
    assert _post(api_a, f"/periods/{march['id']}/lock", {}).status_code == 403
    locked = _post(fin_a, f"/periods/{march['id']}/lock", {})
    # then
    assert locked.json()["is_locked"] is True
    refused = _post(fin_a, "/entries", SALE)
    assert refused.status_code == 400 and "locked" in refused.json()["error"]["fields"]["date"][0]


def test_rates(fin_a):
    res = _post(
        fin_a, "/rates", {"date": "2026-03-01", "base": "USD", "quote": "EUR", "rate": "0.9"}
    )
    assert res.status_code == 201
    assert fin_a.get(f"{API}/rates").json()[0]["base"] == "USD"


# --- tenant isolation: client A's token asking for client B's ids ----------------------


def test_isolation_entries(fin_a, entry_b):
    # when
    get = fin_a.get(f"{API}/entries/{entry_b.pk}")
    rev = _post(fin_a, f"/entries/{entry_b.pk}/reverse", {})
    listed = fin_a.get(f"{API}/entries").json()
    # then
    assert get.status_code == 404 and rev.status_code == 404
    assert b"secret-b" not in get.content + rev.content
    assert listed["count"] == 0


def test_isolation_accounts_and_reports(fin_a, entry_b):
    # given
    acc_b = Account.objects.unscoped("test").get(tenant=entry_b.tenant, code="1120")
    # when
    responses = [
        fin_a.get(f"{API}/accounts/{acc_b.pk}"),
        fin_a.patch(
            f"{API}/accounts/{acc_b.pk}", data={"name": "x"}, content_type="application/json"
        ),
        fin_a.get(f"{API}/reports/general-ledger/{acc_b.pk}"),
    ]
    # then
    assert [r.status_code for r in responses] == [404, 404, 404]
    assert all(b"77700" not in r.content for r in responses)
    assert fin_a.get(f"{API}/balances").json() == []
    assert fin_a.get(f"{API}/reports/trial-balance").json()["rows"] == []
    assert fin_a.get(f"{API}/entries", {"memo": "secret"}).json()["count"] == 0


def test_isolation_periods(fin_a, fin_b):
    # given
    periods_b = _post(fin_b, "/fiscal-years", {"year": 2026}).json()
    # when
    res = _post(fin_a, f"/periods/{periods_b[0]['id']}/lock", {})
    # then
    assert res.status_code == 404
    assert fin_a.get(f"{API}/periods").json() == []


def test_bulk_errors_name_the_entry_and_line_and_write_nothing(fin_a):
    # given
    bad_line = {"account": "9999", "amount": 5}
    bulk = {"entries": [SALE, {**SALE, "lines": [bad_line, {"account": "4100", "amount": -5}]}]}
    # when
    res = _post(fin_a, "/entries/bulk", bulk)
    # then
    assert res.status_code == 400
    assert "unknown account" in res.json()["error"]["fields"]["entries[1].lines[0].account"][0]
    assert fin_a.get(f"{API}/entries").json()["count"] == 0


def test_malformed_entry_is_refused(fin_a):
    res = _post(fin_a, "/entries", {"date": "not-a-date", "lines": "nope"})
    assert res.status_code in (400, 422)
    assert fin_a.get(f"{API}/entries").json()["count"] == 0
