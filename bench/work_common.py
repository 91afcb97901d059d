"""Shared set-up for the work benchmarks: a scratch database, migrated, and one engagement.

Import this BEFORE anything that touches Django settings: it chooses the database.
"""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_BASE = PG_ADMIN.rsplit("/", 1)[0]


def machine() -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{stamp}; {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )


def create_database(vendor: str, name: str) -> str:
    """A fresh scratch database; returns its DATABASE_URL (also exported)."""
    if vendor == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
        url = f"{PG_BASE.replace('postgresql://', 'postgres://')}/{name}"
    else:
        path = Path(f"/tmp/{name}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    # Production runs with DEBUG off; with it on, Django logs every query it sends.
    os.environ.setdefault("DEBUG", "false")
    return url


def drop_database(vendor: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    if vendor == "postgresql":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"/tmp/{name}.sqlite3{suffix}").unlink(missing_ok=True)


def migrate() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 200},
        "amount": {"type": "number", "minimum": 0},
        "pages": {"type": "integer", "minimum": 1},
        "doc_date": {"type": "string", "format": "date"},
    },
    "required": ["name", "amount"],
    "additionalProperties": False,
}


def make_engagement(n_clients: int = 1) -> tuple[Any, list[Any]]:
    """A provider, `n_clients` clients with one engagement each (NY calendar, US holidays)."""
    from django.db import transaction

    from backoffice.core.rls import set_rls_bypass
    from backoffice.tenancy import services as tenancy
    from backoffice.work import services

    with transaction.atomic():
        set_rls_bypass()
        provider = tenancy.create_organization(
            slug="bench-provider",
            name="Bench provider",
            kind="provider",
            country="US",
            timezone_name="America/New_York",
            currency="USD",
        )
        st = services.create_service_type(
            provider=provider,
            actor=None,
            code="capture",
            name="Capture",
            input_schema=SCHEMA,
            output_schema={"type": "object"},
            workflow=[{"step": "capture", "role": "agent"}],
            qa_sample_percent=0,
        )
        engagements = []
        for i in range(n_clients):
            client = tenancy.create_organization(
                slug=f"bench-client-{i}",
                name=f"Bench client {i}",
                kind="client",
                provider=provider,
                country="US",
                timezone_name="America/New_York",
                currency="USD",
            )
            calendar = services.create_calendar(
                tenant=client,
                actor=None,
                name="ny",
                holiday_country="US",
                holiday_subdivision="NY",
            )
            engagements.append(
                services.create_engagement(
                    tenant=client, actor=None, service_type=st, calendar=calendar, code="cap"
                )
            )
    return provider, engagements
