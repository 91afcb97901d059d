"""PostgreSQL's second wall: every conversations table is behind forced row-level security,
and under the application's own role a request set to client A reads none of B's rows."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction

from backoffice.conversations.models import InternalNote, Message, Thread
from backoffice.conversations.tests.factories import item_thread, note, say
from backoffice.core.rls import set_rls_tenants
from backoffice.core.scoping import TenantOwned

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row-level security is PostgreSQL's"
)
ROLE = "backoffice_app_conversations_test"


@pytest.mark.django_db
def test_every_conversations_table_is_behind_forced_rls():
    tables = sorted(
        m._meta.db_table
        for m in apps.get_app_config("conversations").get_models()
        if issubclass(m, TenantOwned)
    )
    assert len(tables) == 7
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) "
            "AND relrowsecurity AND relforcerowsecurity",
            [tables],
        )
        protected = sorted(r[0] for r in cursor.fetchall())
    assert protected == tables


@pytest.mark.django_db(transaction=True)
def test_under_the_app_role_client_a_reads_none_of_bs_rows(
    item_a, item_b, user_a, user_b, agent, agent_b
):
    a = item_thread(item_a, user_a)
    say(a, user_a, "A's message")
    note(a, agent, "A's note")
    b = item_thread(item_b, user_b)
    say(b, user_b, "B's message")
    note(b, agent_b, "B's note")
    with connection.cursor() as cursor:
        cursor.execute(
            f"DO $$ BEGIN CREATE ROLE {ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
        )
    call_command("grant_app_role", ROLE)
    both = [item_a.tenant_id, item_b.tenant_id]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {ROLE}")
        set_rls_tenants([item_a.tenant_id])
        # even a query that names both clients sees A's rows only
        threads = list(Thread.objects.for_tenants(both).values_list("tenant_id", flat=True))
        messages = list(Message.objects.for_tenants(both).values_list("body", flat=True))
        notes = list(InternalNote.objects.for_tenants(both).values_list("body", flat=True))
    assert threads == [item_a.tenant_id]
    assert messages == ["A's message"]
    assert notes == ["A's note"]
