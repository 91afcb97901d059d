"""The contract is usable: a typed Python client generated from our own schema (by
openapi-python-client, offline) posts a journal entry and submits a work item to a running
server with a bearer token, and reads both back."""

from __future__ import annotations

import datetime as dt
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from backoffice.ledger.services import apply_chart_template
from backoffice.tenancy.tests.factories import make_token
from backoffice.work.tests.factories import make_engagement, make_service_type

PACKAGE = "backoffice_generated_client"


def generate(schema_url: str, into: Path) -> None:
    """Fetch the live schema and generate the client package `PACKAGE` under `into`."""
    schema = into / "openapi.json"
    schema.write_bytes(httpx.get(schema_url, timeout=30).raise_for_status().content)
    config = into / "config.yaml"
    config.write_text(f"post_hooks: []\nproject_name_override: {PACKAGE}\n")
    generator = shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
    assert generator, "openapi-python-client is a dev dependency: pip install -e '.[dev]'"
    done = subprocess.run(
        [
            *(generator, "generate", "--path", str(schema), "--config", str(config)),
            *("--meta", "none", "--output-path", str(into / PACKAGE), "--fail-on-warning"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture
def generated(tmp_path, live_server):
    generate(f"{live_server.url}/api/v1/openapi.json", tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_posts_an_entry_and_a_work_item(
    generated, live_server, provider, provider_admin, client_a
):
    # given: client A's books and an engagement, and a provider admin's token in client A
    apply_chart_template(tenant=client_a, template="general")
    engagement = make_engagement(client_a, make_service_type(provider), code="client-test")
    token = make_token(provider_admin, client_a)
    ledger = importlib.import_module(f"{PACKAGE}.api.ledger")
    work = importlib.import_module(f"{PACKAGE}.api.work")
    models = importlib.import_module(f"{PACKAGE}.models")
    client = importlib.import_module(f"{PACKAGE}.client").AuthenticatedClient(
        base_url=live_server.url, token=token
    )
    post_entry = importlib.import_module(f"{ledger.__name__}.backoffice_ledger_api_post_entry")
    get_entry = importlib.import_module(f"{ledger.__name__}.backoffice_ledger_api_get_entry")
    submit = importlib.import_module(f"{work.__name__}.backoffice_work_api_submit_item")
    get_item = importlib.import_module(f"{work.__name__}.backoffice_work_api_get_item")

    # when: a journal entry is posted through the generated client
    body = models.LedgerEntryIn(
        date=dt.date(2026, 3, 2),
        memo="generated client",
        lines=[
            models.LedgerLineIn(account="1120", amount=2500),
            models.LedgerLineIn(account="4100", debit=0, credit=2500),
        ],
    )
    posted = post_entry.sync_detailed(client=client, body=body, idempotency_key="gen-1")
    # then: it is created, typed as the ledger's entry, and reads back the same
    assert posted.status_code == 201, posted.content
    entry = posted.parsed
    assert isinstance(entry, models.LedgerEntryOut)
    assert [(ln.account, ln.amount) for ln in entry.lines] == [("1120", 2500), ("4100", -2500)]
    again = get_entry.sync(client=client, entry_id=entry.id)
    assert isinstance(again, models.LedgerEntryOut)
    assert (again.memo, again.date, len(again.lines)) == ("generated client", entry.date, 2)

    # when: a work item is submitted to the engagement
    data = models.WorkItemInData.from_dict({"name": "Invoice 7", "amount": 12.5})
    item_in = models.WorkItemIn(external_ref="gen-item-1", data=data, priority=3)
    created = submit.sync_detailed(client=client, engagement_id=engagement.pk, body=item_in)
    # then: it is created and reads back with its data
    assert created.status_code == 201, created.content
    item = created.parsed
    assert isinstance(item, models.WorkItemOut)
    detail = get_item.sync(client=client, item_id=item.id)
    assert isinstance(detail, models.WorkItemDetailOut)
    assert detail.external_ref == "gen-item-1"
    assert detail.data.to_dict() == {"name": "Invoice 7", "amount": 12.5}

    # and: an error comes back as the typed error body
    missing = get_entry.sync_detailed(client=client, entry_id=10**9)
    assert missing.status_code == 404
    assert isinstance(missing.parsed, models.Error)
    assert missing.parsed.error.code == "not_found"
