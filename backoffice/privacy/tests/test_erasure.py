"""Retention and erasure: nothing readable is left, the audit chain still verifies, and a
legal hold always wins (refused with nothing written)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from backoffice.audit.models import AuditEvent
from backoffice.audit.verify import verify_tenant_chain
from backoffice.conversations.models import Message, MessageAttachment
from backoffice.core.errors import DomainError
from backoffice.privacy import services
from backoffice.privacy.models import ErasedItem, Erasure, SubjectRequest
from backoffice.privacy.tests.conftest import database_text, finished_item
from backoffice.vault.models import BlindIndex
from backoffice.vault.tests.conftest import claim_data
from backoffice.work import services as work
from backoffice.work.models import Attachment, Comment, WorkItem, WorkItemEvent

pytestmark = pytest.mark.django_db


def _files(item):
    names = [a.file.path for a in Attachment.objects.for_tenant(item.tenant_id).filter(item=item)]
    msgs = MessageAttachment.objects.for_tenant(item.tenant_id).filter(
        message__thread__subject_id=item.pk
    )
    return names + [m.file.path for m in msgs]


def _secrets(item) -> list[str]:
    """What someone could read of this item before erasure: ciphertexts and plain text."""
    return [
        item.data["claimant"]["$enc"],
        item.data["policy_number"]["$enc"],
        item.output["diagnosis"]["$enc"],
        f"Phoned claimant {item.external_ref[4:]} at home",
        f"Claimant {item.external_ref[4:]} moved house",
    ]


def test_retention_erases_finished_items_past_the_rule_and_nothing_stays_readable(
    claims, agent, media, provider_admin
):
    old = finished_item(claims, agent, 1, days_ago=40)
    recent = finished_item(claims, agent, 2, days_ago=10)
    still_open, _ = work.submit_item(
        engagement=claims, actor=None, external_ref="open-3", data=claim_data(3)
    )
    old_secrets, old_files = _secrets(old), _files(old)
    assert all(os.path.exists(p) for p in old_files) and len(old_files) == 2
    assert all(s in database_text() for s in old_secrets)
    rule = services.set_retention_rule(
        engagement=claims, actor=provider_admin, days=30, action="delete"
    )

    preview = services.preview_rule(rule)
    assert (preview.due, preview.held, preview.erasable) == (1, 0, 1)
    runs = services.apply_retention()
    assert [(r.due, r.erasable) for r in runs] == [(1, 1)]

    old.refresh_from_db()
    assert (old.data, old.output, old.external_ref) == ({}, None, f"erased-{old.pk}")
    assert old.state == "done"  # the row stays: billing keeps its id and counts
    assert not Attachment.objects.for_tenant(claims.tenant_id).filter(item=old).exists()
    assert not Comment.objects.for_tenant(claims.tenant_id).filter(item=old).exists()
    assert not BlindIndex.objects.for_tenant(claims.tenant_id).filter(record_id=old.pk).exists()
    assert not any(os.path.exists(p) for p in old_files)
    bodies = Message.objects.for_tenant(claims.tenant_id).filter(thread__subject_id=old.pk)
    assert list(bodies.values_list("body", flat=True)) == ["(erased)"]
    assert not WorkItemEvent.objects.for_tenant(claims.tenant_id).filter(item=old).exclude(note="")
    dump = database_text()
    for secret in old_secrets:
        assert secret not in dump
    # The item's reference stays only in the audit chain's `work.item_submitted` event,
    # which cannot change without breaking the chain (see docs/privacy.md).
    assert "ref-1" not in database_text(skip=("audit_auditevent",))
    # The others are untouched
    recent.refresh_from_db()
    assert recent.data["claimant"]["$enc"] in dump and all(
        os.path.exists(p) for p in _files(recent)
    )
    assert WorkItem.objects.for_tenant(claims.tenant_id).get(pk=still_open.pk).data
    # The tombstone: counts, no values; the chain verifies
    erasure = Erasure.objects.for_tenant(claims.tenant_id).get()
    assert erasure.counts["items"] == 1 and erasure.counts["attachments"] == 1
    assert erasure.counts["comments"] == 1 and erasure.counts["message_files"] == 1
    assert erasure.counts["blind_index"] == 2  # claimant and policy number digests
    event = AuditEvent.objects.for_tenant(claims.tenant_id).get(action="privacy.data_erased")
    assert event.after["items"] == 1 and event.after["first_item"] == old.pk
    assert verify_tenant_chain(claims.tenant_id) is None


def test_retention_is_idempotent_and_counts_by_hand(claims, agent, media):
    items = [finished_item(claims, agent, n, days_ago=n * 10) for n in range(1, 5)]
    # completed 10, 20, 30, 40 days ago; a 15-day rule finds the last three
    rule = services.set_retention_rule(engagement=claims, actor=None, days=15, action="delete")
    assert (
        services.set_retention_rule(engagement=claims, actor=None, days=15, action="delete") == rule
    )
    found = services.apply_rule(rule=rule)
    assert (found.due, found.erasable) == (3, 3)
    again = services.apply_rule(rule=rule)
    assert (again.due, again.erasable) == (0, 0)
    assert Erasure.objects.for_tenant(claims.tenant_id).count() == 1
    erased = set(ErasedItem.objects.for_tenant(claims.tenant_id).values_list("item_id", flat=True))
    assert erased == {i.pk for i in items[1:]}
    # 20 days later the first one is due too
    later = services.apply_rule(rule=rule, now=timezone.now() + timedelta(days=20))
    assert later.erasable == 1


def test_anonymise_keeps_only_fields_not_marked_personal(claims, agent, media):
    item = finished_item(claims, agent, 1, days_ago=5)
    rule = services.set_retention_rule(engagement=claims, actor=None, days=1, action="anonymise")
    services.apply_rule(rule=rule)
    item.refresh_from_db()
    assert item.data == {"amount": 101}
    assert item.output == {"decision": "pay"}
    assert not Attachment.objects.for_tenant(claims.tenant_id).filter(item=item).exists()


def test_legal_hold_wins_over_retention(claims, agent, media, provider_admin):
    held = finished_item(claims, agent, 1, days_ago=40)
    batchless = finished_item(claims, agent, 2, days_ago=40)
    hold = services.place_hold(
        tenant_id=claims.tenant_id,
        actor=provider_admin,
        scope="engagement",
        engagement=claims,
        reason="Litigation 2026-114",
    )
    rule = services.set_retention_rule(engagement=claims, actor=None, days=30, action="delete")
    found = services.apply_rule(rule=rule)
    assert (found.due, found.held, found.erasable) == (2, 2, 0)
    held.refresh_from_db()
    assert held.data["claimant"] and not ErasedItem.objects.for_tenant(claims.tenant_id).exists()
    services.release_hold(hold=hold, actor=provider_admin)
    assert services.apply_rule(rule=rule).erasable == 2
    batchless.refresh_from_db()
    assert batchless.data == {}


def test_erasure_request_under_legal_hold_is_refused_with_nothing_written(
    claims, agent, media, user_a, provider_admin
):
    item = finished_item(claims, agent, 1)
    services.place_hold(
        tenant_id=claims.tenant_id, actor=provider_admin, scope="client", reason="Regulator audit"
    )
    req = services.receive_request(
        engagement=claims,
        actor=user_a,
        kind="erasure",
        field="claimant",
        value="zebulon quixote-marchetti 1",  # the blind index ignores case and spaces
    )
    events_before = AuditEvent.objects.for_tenant(claims.tenant_id).count()
    dump_before = database_text()
    with pytest.raises(DomainError) as exc:
        services.decide_request(req=req, actor=user_a, approve=True, reason="Valid request")
    assert exc.value.code == "legal_hold_active" and exc.value.status == 409
    assert "legal hold" in exc.value.message and "nothing was erased" in exc.value.message
    assert AuditEvent.objects.for_tenant(claims.tenant_id).count() == events_before
    assert database_text() == dump_before
    req.refresh_from_db()
    assert req.status == "pending" and req.subject_value
    assert all(os.path.exists(p) for p in _files(item))


def test_erasure_request_approved_erases_only_the_subjects_items(claims, agent, media, user_a):
    mine = finished_item(claims, agent, 1)
    other = finished_item(claims, agent, 2)
    req = services.receive_request(
        engagement=claims,
        actor=user_a,
        kind="erasure",
        field="claimant",
        value=mine_claimant(),
    )
    req = services.decide_request(req=req, actor=user_a, approve=True, reason="Art. 17 applies")
    assert (req.status, req.items_matched, req.subject_value) == ("completed", 1, "")
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.data == {} and other.data["claimant"]
    assert verify_tenant_chain(claims.tenant_id) is None


def mine_claimant() -> str:
    from backoffice.vault.tests.conftest import CLAIMANT

    return f"{CLAIMANT} 1"


def test_access_request_exports_the_subjects_items_opened(claims, agent, media, user_a):
    import json

    from django.core.files.storage import default_storage

    finished_item(claims, agent, 1)
    finished_item(claims, agent, 2)
    req = services.receive_request(
        engagement=claims, actor=user_a, kind="access", field="claimant", value=mine_claimant()
    )
    req = services.decide_request(req=req, actor=user_a, approve=True, reason="Identity checked")
    with default_storage.open(req.export_file) as fh:
        doc = json.load(fh)
    assert [i["reference"] for i in doc["items"]] == ["ref-1"]
    assert doc["items"][0]["data"]["claimant"] == mine_claimant()
    assert doc["items"][0]["output"]["diagnosis"] == "Sprained ankle of Quentin"
    assert doc["items"][0]["comments"][0]["body"] == "Phoned claimant 1 at home"
    event = AuditEvent.objects.for_tenant(claims.tenant_id).get(
        action="privacy.subject_request_decided"
    )
    assert mine_claimant() not in repr(event.after) + repr(event.before)


def test_refusal_needs_a_reason_and_request_fields_are_checked(claims, user_a):
    with pytest.raises(DomainError) as exc:
        services.receive_request(
            engagement=claims, actor=user_a, kind="access", field="name", value="x"
        )
    assert exc.value.code == "subject_invalid" and "claimant" in exc.value.message
    with pytest.raises(DomainError) as exc:
        services.receive_request(
            engagement=claims, actor=user_a, kind="access", field="bank_account", value="x"
        )
    assert exc.value.code == "subject_not_searchable"
    req = services.receive_request(
        engagement=claims, actor=user_a, kind="erasure", field="claimant", value="Someone"
    )
    with pytest.raises(DomainError) as exc:
        services.decide_request(req=req, actor=user_a, approve=False, reason="  ")
    assert exc.value.code == "decision_reason_required"
    req = services.decide_request(req=req, actor=user_a, approve=False, reason="Not our customer")
    assert req.status == "refused" and req.subject_value == ""
    with pytest.raises(DomainError) as exc:
        services.decide_request(req=req, actor=user_a, approve=False, reason="again")
    assert exc.value.code == "request_already_decided"
    assert SubjectRequest.objects.for_tenant(claims.tenant_id).count() == 1


def test_rule_input_is_checked(claims):
    for days in (0, 36501):
        with pytest.raises(DomainError) as exc:
            services.set_retention_rule(engagement=claims, actor=None, days=days, action="delete")
        assert exc.value.code == "retention_rule_invalid" and "days" in exc.value.fields
    with pytest.raises(DomainError):
        services.set_retention_rule(engagement=claims, actor=None, days=5, action="shred")


def test_a_batch_hold_keeps_only_that_batchs_items(claims, media, provider_admin):
    from backoffice.work.services.submit import ItemInput

    def batch(prefix: str, start: int):
        rows = [ItemInput(f"{prefix}-{n}", claim_data(start + n)) for n in range(2)]
        return work.submit_items(engagement=claims, actor=None, rows=rows).batch

    held_batch, free_batch = batch("h", 10), batch("f", 20)
    WorkItem.objects.for_tenant(claims.tenant_id).update(
        state="cancelled", completed_at=timezone.now() - timedelta(days=3)
    )
    services.place_hold(
        tenant_id=claims.tenant_id,
        actor=provider_admin,
        scope="batch",
        batch=held_batch,
        reason="Disputed delivery",
    )
    rule = services.set_retention_rule(engagement=claims, actor=None, days=2, action="delete")
    found = services.apply_rule(rule=rule)
    # 4 cancelled items are due; the held batch's 2 stay, the other 2 go
    assert (found.due, found.held, found.erasable) == (4, 2, 2)
    items = WorkItem.objects.for_tenant(claims.tenant_id)
    assert all(i.data == {} for i in items.filter(batch=free_batch))
    assert all(i.data["claimant"] for i in items.filter(batch=held_batch))
