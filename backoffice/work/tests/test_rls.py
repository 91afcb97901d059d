"""Every tenant-owned table of the work app is behind forced row-level security."""

import pytest
from django.apps import apps
from django.db import connection

from backoffice.core.scoping import TenantOwned

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="row-level security is PostgreSQL's"
    ),
]


def test_every_work_table_is_behind_forced_rls():
    tables = sorted(
        m._meta.db_table
        for m in apps.get_app_config("work").get_models()
        if issubclass(m, TenantOwned)
    )
    assert "work_qareview" in tables and "work_qafieldverdict" in tables
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname = ANY(%s) "
            "AND relrowsecurity AND relforcerowsecurity",
            [tables],
        )
        protected = sorted(r[0] for r in cursor.fetchall())
    assert protected == tables
