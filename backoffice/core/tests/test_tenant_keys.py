"""Every tenant-owned table keeps its unique keys and its indexes led by the tenant.

This is what lets the schema be distributed by tenant later (Citus: a unique constraint must
contain the distribution column, and an index that leads with it is served by one shard).
docs/operations.md ("Distributing by tenant") says how the tables would be distributed and
what the known gaps below would become.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

from backoffice.core.scoping import TenantOwned

# Unique keys that do not contain the tenant yet: each is unique within a row of a parent
# that is itself tenant-owned (a line number within its entry), so adding the tenant in
# front changes nothing but the index — the migration is written down, not yet made.
KNOWN_GAPS = {
    ("ledger_journalline", "ledger_line_no_unique"),
    ("commerce_documentline", "commerce_line_no_unique"),
    ("commerce_linetax", "commerce_line_tax_unique"),
    # Unique across every tenant on purpose: an e-mail domain signs in through one client's
    # identity provider, and a person of an identity provider (issuer + subject) is one
    # account. Distributed by tenant they would need a reference table of their own.
    ("identity_ssodomain", "domain"),
    ("identity_ssoidentity", "identity_sso_subject_once"),
}


def _tenant_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if issubclass(m, TenantOwned)]


def _lead(fields: list[str]) -> str:
    return fields[0].lstrip("-") if fields else ""


def test_unique_keys_of_tenant_tables_contain_the_tenant():
    missing = set()
    for model in _tenant_models():
        for c in model._meta.constraints:
            if isinstance(c, models.UniqueConstraint) and "tenant" not in c.fields:
                missing.add((model._meta.db_table, c.name))
        for field in model._meta.fields:
            if field.unique and not field.primary_key:
                missing.add((model._meta.db_table, field.name))
    assert missing - KNOWN_GAPS == set(), "lead these unique keys with the tenant"
    assert KNOWN_GAPS - missing == set(), "a gap was closed: take it off KNOWN_GAPS"


def test_declared_indexes_of_tenant_tables_lead_with_the_tenant():
    astray = {
        (model._meta.db_table, index.name)
        for model in _tenant_models()
        for index in model._meta.indexes
        if _lead(list(index.fields)) != "tenant"
    }
    assert astray == set()
