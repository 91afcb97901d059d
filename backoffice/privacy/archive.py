"""The offboarding archive: everything a client owns, in one zip (format in docs/privacy.md).

    manifest.json            format, organization, created_at, files: [{path, rows, bytes, sha256}]
    items.jsonl              one item a line; confidential values opened
    comments.jsonl           comments on items
    messages.jsonl           client-visible conversation messages
    attachments/<item>/<id>-<name>        the items' files
    message-files/<message>/<id>-<name>   the messages' files
    <app>/<model>.csv        every row of the client's books (ledger) and commerce

The archive is written to a temporary file, then kept in storage under
`privacy/offboarding/<tenant>/`; its SHA-256 goes on the certificate of destruction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from backoffice.conversations.models import Message, MessageAttachment
from backoffice.core.rls import set_rls_tenants
from backoffice.core.scoping import TenantOwned
from backoffice.tenancy.models import Organization
from backoffice.vault import keys
from backoffice.vault.crypto import VaultError
from backoffice.vault.fields import mask_document, sensitive_fields
from backoffice.work.models import Attachment, Comment, Engagement, WorkItem

FORMAT = "backoffice-offboarding/1"
CSV_APPS = ("ledger", "commerce")
CHUNK = 2000


@dataclass
class Archive:
    path: str
    sha256: str
    size: int
    rows: dict[str, int] = field(default_factory=dict)


class _Writer:
    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.files: list[dict[str, Any]] = []

    def lines(self, path: str, rows: Iterable[dict[str, Any]]) -> int:
        digest, size, count = hashlib.sha256(), 0, 0
        with self.zf.open(path, "w") as out:
            for row in rows:
                data = (json.dumps(row, ensure_ascii=False, default=str) + "\n").encode()
                out.write(data)
                digest.update(data)
                size += len(data)
                count += 1
        self.files.append(
            {"path": path, "rows": count, "bytes": size, "sha256": digest.hexdigest()}
        )
        return count

    def blob(self, path: str, chunks: Iterable[bytes], rows: int = 1) -> None:
        digest, size = hashlib.sha256(), 0
        with self.zf.open(path, "w") as out:
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        self.files.append({"path": path, "rows": rows, "bytes": size, "sha256": digest.hexdigest()})


def _ring(tenant_id: int) -> Any:
    try:
        return keys.keyring(tenant_id)
    except VaultError:
        return None


def _items(tenant_id: int) -> Iterator[dict[str, Any]]:
    ring = _ring(tenant_id)
    engagements = {e.pk: e for e in Engagement.objects.for_tenant(tenant_id)}
    schemas = {
        pk: (sensitive_fields(e.input_schema), sensitive_fields(e.output_schema))
        for pk, e in engagements.items()
    }
    for item in WorkItem.objects.for_tenant(tenant_id).order_by("pk").iterator(CHUNK):
        f_in, f_out = schemas[item.engagement_id]
        yield {
            "id": item.pk,
            "engagement": engagements[item.engagement_id].code,
            "batch": item.batch_id,
            "reference": item.external_ref,
            "state": item.state,
            "priority": item.priority,
            "received_at": item.received_at,
            "completed_at": item.completed_at,
            "data": mask_document(
                ring, f_in, "data", item.data, reveal=frozenset(f.name for f in f_in)
            ),
            "output": mask_document(
                ring, f_out, "output", item.output, reveal=frozenset(f.name for f in f_out)
            ),
        }


def _comments(tenant_id: int) -> Iterator[dict[str, Any]]:
    for c in Comment.objects.for_tenant(tenant_id).order_by("pk").iterator(CHUNK):
        yield {"id": c.pk, "item": c.item_id, "kind": c.kind, "body": c.body, "at": c.created_at}


def _messages(tenant_id: int) -> Iterator[dict[str, Any]]:
    rows = Message.objects.for_tenant(tenant_id).select_related("thread").order_by("pk")
    for m in rows.iterator(CHUNK):
        yield {
            "id": m.pk,
            "subject": f"{m.thread.subject_kind}:{m.thread.subject_id}",
            "thread": m.thread.title,
            "author": m.author_id,
            "body": m.body,
            "at": m.created_at,
        }


def _file_chunks(name: str) -> Iterator[bytes]:
    with default_storage.open(name, "rb") as fh:
        yield from iter(lambda: fh.read(1 << 16), b"")


def _csv(model: type[TenantOwned], tenant_id: int) -> tuple[bytes, int]:
    names = [f.attname for f in model._meta.concrete_fields]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(names)
    count = 0
    for row in model.objects.for_tenant(tenant_id).order_by("pk").values_list(*names):  # type: ignore[attr-defined]
        writer.writerow(row)
        count += 1
    return buf.getvalue().encode(), count


def _write(writer: _Writer, tenant_id: int) -> None:
    writer.lines("items.jsonl", _items(tenant_id))
    writer.lines("comments.jsonl", _comments(tenant_id))
    writer.lines("messages.jsonl", _messages(tenant_id))
    for a in Attachment.objects.for_tenant(tenant_id).order_by("pk"):
        writer.blob(f"attachments/{a.item_id}/{a.pk}-{a.name}", _file_chunks(a.file.name))
    for m in MessageAttachment.objects.for_tenant(tenant_id).order_by("pk"):
        writer.blob(f"message-files/{m.message_id}/{m.pk}-{m.name}", _file_chunks(m.file.name))
    for label in CSV_APPS:
        for model in apps.get_app_config(label).get_models():
            if issubclass(model, TenantOwned):
                body, count = _csv(model, tenant_id)
                writer.blob(f"{label}/{model._meta.model_name}.csv", [body], rows=count)


def build_archive(*, tenant_id: int, job_id: int) -> Archive:
    """Write the client's archive (one read transaction, so the files agree) and keep it."""
    org = Organization.objects.get(pk=tenant_id)
    with tempfile.TemporaryFile() as tmp:
        with transaction.atomic(), zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            set_rls_tenants([tenant_id])
            writer = _Writer(zf)
            _write(writer, tenant_id)
            manifest = {
                "format": FORMAT,
                "organization": {"id": org.pk, "slug": org.slug, "name": org.name},
                "offboarding": job_id,
                "created_at": timezone.now().isoformat(),
                "files": writer.files,
            }
            zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        tmp.seek(0)
        digest, size = hashlib.sha256(), 0
        for chunk in iter(lambda: tmp.read(1 << 16), b""):
            digest.update(chunk)
            size += len(chunk)
        tmp.seek(0)
        name = f"privacy/offboarding/{tenant_id}/{job_id}-{secrets.token_hex(8)}.zip"
        path = default_storage.save(name, File(tmp))
    rows = {f["path"]: f["rows"] for f in writer.files if f["path"].endswith((".jsonl", ".csv"))}
    rows["files"] = sum(
        1 for f in writer.files if f["path"].startswith(("attachments/", "message-files/"))
    )
    return Archive(path=path, sha256=digest.hexdigest(), size=size, rows=rows)
