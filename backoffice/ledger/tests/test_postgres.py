"""PostgreSQL-only guarantees: concurrency without lost updates, and the database guards."""

import threading

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction

from backoffice.core.rls import set_rls_bypass
from backoffice.ledger import selectors
from backoffice.ledger.models import Account, JournalEntry
from backoffice.ledger.services import post_journal_entry
from backoffice.ledger.tests.factories import entry, with_chart

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL-only behaviour")


@pg_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_lose_no_update(client_a):
    # given
    with_chart(client_a)
    writers, per_writer = 6, 15
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def work(n: int) -> None:
        try:
            start.wait()
            for i in range(per_writer):
                with transaction.atomic():
                    set_rls_bypass()
                    post_journal_entry(
                        tenant=client_a,
                        actor=None,
                        entry=entry(
                            "2026-03-02",
                            ("1120", 100 + n),
                            ("6100", 1),
                            ("4100", -(101 + n)),
                            memo=f"w{n}-{i}",
                        ),
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    # then
    assert errors == []
    bal = selectors.balances(client_a)
    acct = {a.code: a.pk for a in Account.objects.for_tenant(client_a)}
    expected_bank = per_writer * sum(100 + n for n in range(writers))
    assert bal[(acct["1120"], "EUR")] == expected_bank
    assert bal[(acct["6100"], "EUR")] == writers * per_writer
    assert bal[(acct["4100"], "EUR")] == -(expected_bank + writers * per_writer)
    assert JournalEntry.objects.for_tenant(client_a).count() == writers * per_writer


@pytest.fixture
def je(client_a) -> JournalEntry:
    """Client A's chart with one entry posted through the service: 1120 +5, 4100 -5."""
    with_chart(client_a)
    return post_journal_entry(
        tenant=client_a, actor=None, entry=entry("2026-03-02", ("1120", 5), ("4100", -5))
    )


def _account(tenant, code: str) -> Account:
    return Account.objects.for_tenant(tenant).get(code=code)


def _raw_line(cur, tenant, je, account, line_no: int, amount: int) -> None:
    cur.execute(
        "INSERT INTO ledger_journalline (tenant_id, entry_id, line_no, account_id, "
        "currency, amount, date, memo) VALUES (%s, %s, %s, %s, 'EUR', %s, %s, '')",
        [tenant.pk, je.pk, line_no, account.pk, amount, je.date],
    )


@pg_only
@pytest.mark.django_db
def test_deferred_trigger_refuses_unbalanced_raw_insert(client_a, je):
    # given
    bank = _account(client_a, "1120")
    # when / then: a line written behind the service's back breaks the balance at commit
    with (
        pytest.raises(IntegrityError, match="does not balance"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        _raw_line(cur, client_a, je, bank, 9, 7)
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pg_only
@pytest.mark.django_db
def test_lines_over_several_statements_are_checked_together_at_commit(client_a, je):
    # given: an entry whose extra lines arrive one statement at a time
    bank = _account(client_a, "1120")
    sales = _account(client_a, "4100")
    # when: each statement alone is unbalanced, together they balance
    with transaction.atomic(), connection.cursor() as cur:
        _raw_line(cur, client_a, je, bank, 8, 7)
        _raw_line(cur, client_a, je, sales, 9, -7)
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # then
    assert je.lines.count() == 4


@pg_only
@pytest.mark.django_db
def test_unbalanced_statements_that_do_not_add_up_are_refused(client_a, je):
    # given
    bank = _account(client_a, "1120")
    sales = _account(client_a, "4100")
    # when / then: two open statements that leave the entry 1 minor unit off
    with (
        pytest.raises(IntegrityError, match="does not balance"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        _raw_line(cur, client_a, je, bank, 8, 7)
        _raw_line(cur, client_a, je, sales, 9, -6)
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pg_only
@pytest.mark.django_db
def test_line_must_reference_own_tenant_account(client_a, je, client_b):
    # given
    with_chart(client_b)
    foreign = _account(client_b, "1120")
    # when / then
    with (
        pytest.raises(DatabaseError, match="another tenant"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        _raw_line(cur, client_a, je, foreign, 9, 7)


@pg_only
@pytest.mark.django_db
def test_posted_rows_cannot_be_deleted(je):
    with (
        pytest.raises(DatabaseError, match="immutable"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute("DELETE FROM ledger_journalentry WHERE id = %s", [je.pk])


@pg_only
@pytest.mark.django_db
def test_daily_balance_must_reference_own_tenant_account(client_a, je, client_b):
    # given
    with_chart(client_b)
    foreign = _account(client_b, "1120")
    # when / then: neither a new row nor a moved row may point at another tenant's account
    for sql in (
        "INSERT INTO ledger_dailybalance (tenant_id, account_id, currency, date, delta) "
        "VALUES (%s, %s, 'EUR', '2026-03-03', 1)",
        "UPDATE ledger_dailybalance SET account_id = %s WHERE id = "
        "(SELECT min(id) FROM ledger_dailybalance WHERE tenant_id = %s)",
    ):
        params = (
            [client_a.pk, foreign.pk] if sql.startswith("INSERT") else [foreign.pk, client_a.pk]
        )
        with (
            pytest.raises(DatabaseError, match="another tenant"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, params)


@pg_only
@pytest.mark.django_db
def test_every_transition_table_trigger_plans_with_index_probes():
    # PostgreSQL assumes 20,000 rows in a transition table and PL/pgSQL caches the plan: a
    # hash join there reads the whole referenced table on every one-row statement.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT DISTINCT p.proname, coalesce(p.proconfig, '{}') FROM pg_trigger t "
            "JOIN pg_proc p ON p.oid = t.tgfoid WHERE t.tgnewtable IS NOT NULL"
        )
        functions = dict(cur.fetchall())
    assert {"ledger_check_new_lines", "work_check_new_events"} <= set(functions)
    for name, config in functions.items():
        assert "enable_hashjoin=off" in config and "enable_mergejoin=off" in config, name
