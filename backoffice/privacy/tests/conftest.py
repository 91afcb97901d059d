"""Fixtures of privacy's tests: the vault's claims engagement (three confidential fields),
an agent, finished items with a file, a comment and a conversation on each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from backoffice.conversations.models import Message, MessageAttachment, Thread
from backoffice.vault.tests.conftest import (  # noqa: F401 (fixtures)
    _fresh_keyrings,
    agent,
    claim_data,
    claims,
    claims_b,
    claims_type,
)
from backoffice.work import services as work
from backoffice.work.models import Attachment, Comment, WorkItem

OUTPUT = {"diagnosis": "Sprained ankle of Quentin", "decision": "pay"}


def finished_item(engagement, by, n: int, *, days_ago: int = 0) -> WorkItem:
    """An item submitted, keyed and done, with a file, a comment and a message with a file;
    its completion moved `days_ago` into the past."""
    item, _ = work.submit_item(
        engagement=engagement, actor=None, external_ref=f"ref-{n}", data=claim_data(n)
    )
    tenant = engagement.tenant_id
    Attachment.objects.create(
        tenant_id=tenant,
        item=item,
        file=ContentFile(f"scan of claimant {n}".encode(), name=f"scan-{n}.txt"),
        name=f"scan-{n}.txt",
        content_type="text/plain",
        size=18,
    )
    Comment.objects.create(
        tenant_id=tenant, item=item, body=f"Phoned claimant {n} at home", created_at=timezone.now()
    )
    thread = Thread.objects.create(
        tenant_id=tenant,
        subject_kind="item",
        subject_id=item.pk,
        title=f"About ref-{n}",
        created_at=timezone.now(),
    )
    message = Message.objects.create(
        tenant_id=tenant, thread=thread, body=f"Claimant {n} moved house", created_at=timezone.now()
    )
    MessageAttachment.objects.create(
        tenant_id=tenant,
        message=message,
        file=ContentFile(b"letter body", name=f"letter-{n}.txt"),
        name=f"letter-{n}.txt",
        content_type="text/plain",
        size=11,
    )
    work.transition_item(item=item, actor=by, to="in_progress")
    item.refresh_from_db()
    work.complete_item(item=item, actor=by, output=dict(OUTPUT))
    done_at = timezone.now() - timedelta(days=days_ago)
    WorkItem.objects.for_tenant(tenant).filter(pk=item.pk).update(completed_at=done_at)
    item.refresh_from_db()
    return item


def database_text(*, skip: tuple[str, ...] = ()) -> str:
    """Every row of every table (but `skip`) as text: what anyone with the database reads."""
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table in skip:
                continue
            cursor.execute(f'SELECT * FROM "{table}"')
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
