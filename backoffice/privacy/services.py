"""Privacy's state changes: retention rules, legal holds, data-subject requests, retention
runs. Keyword-only, one transaction each (a retention run: one per batch), the audit event
inside it. Offboarding is in `offboarding.py`; what erasing means, in `erase.py`."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from backoffice.core.errors import DomainError
from backoffice.core.rls import set_rls_bypass, set_rls_tenants
from backoffice.privacy import erase, events
from backoffice.privacy.error_codes import ErrorCode
from backoffice.privacy.models import (
    Action,
    ErasedItem,
    Erasure,
    LegalHold,
    RetentionRule,
    SubjectRequest,
)
from backoffice.tenancy.models import User
from backoffice.vault import keys
from backoffice.vault.crypto import VaultError
from backoffice.vault.fields import mask_document, sensitive_fields
from backoffice.vault.models import BlindIndex
from backoffice.work.models import Comment, Engagement, IntakeBatch, State, WorkItem

BATCH = 500
MAX_REASON = 500
FINISHED = (State.DONE, State.CANCELLED)


def _text(value: str, *, what: str, code: ErrorCode) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(
            f"Say {what}: it is kept in the audit trail.",
            code=code,
            fields={"reason": ["Give a reason."]},
        )
    if len(text) > MAX_REASON:
        raise DomainError(
            f"Keep the reason to {MAX_REASON} characters.",
            code=code,
            fields={"reason": [f"At most {MAX_REASON} characters."]},
        )
    return text


# --- retention rules -------------------------------------------------------------------------


def set_retention_rule(
    *, engagement: Engagement, actor: User | None, days: int, action: str
) -> RetentionRule:
    """Create or change the engagement's rule (one per engagement, so a repeat is a no-op)."""
    if not isinstance(days, int) or not 1 <= days <= 36500:
        raise DomainError(
            "Keep finished items between 1 and 36,500 days (100 years).",
            code=ErrorCode.RULE_INVALID,
            fields={"days": ["A whole number of days from 1 to 36,500."]},
        )
    if action not in Action.values:
        raise DomainError(
            "Choose whether to delete or anonymise the items' data.",
            code=ErrorCode.RULE_INVALID,
            fields={"action": ["Delete or anonymise."]},
        )
    with transaction.atomic():
        set_rls_tenants([engagement.tenant_id])
        rule = (
            RetentionRule.objects.for_tenant(engagement.tenant_id)
            .select_for_update()
            .filter(engagement=engagement)
            .first()
        )
        if rule is not None and (rule.days, rule.action, rule.is_active) == (days, action, True):
            return rule
        if rule is None:
            rule = RetentionRule(tenant_id=engagement.tenant_id, engagement=engagement)
            rule.created_by = actor
        rule.days, rule.action, rule.is_active = days, action, True
        rule.save()
        events.record(tenant=rule.tenant_id, actor=actor, event=events.rule_set_event(rule))
    return rule


def remove_retention_rule(*, rule: RetentionRule, actor: User | None) -> None:
    with transaction.atomic():
        set_rls_tenants([rule.tenant_id])
        events.record(tenant=rule.tenant_id, actor=actor, event=events.rule_removed_event(rule))
        rule.delete()


# --- legal holds -----------------------------------------------------------------------------


def place_hold(
    *,
    tenant_id: int,
    actor: User | None,
    scope: str,
    reason: str,
    engagement: Engagement | None = None,
    batch: IntakeBatch | None = None,
) -> LegalHold:
    """Put a legal hold on the whole client, an engagement or a batch (the caller has
    fetched the engagement or batch through the tenant's selectors)."""
    text = _text(reason, what="why the data is held", code=ErrorCode.HOLD_INVALID)
    wanted = {"client": (None, None), "engagement": (engagement, None), "batch": (None, batch)}
    if scope not in wanted or (scope != "client" and all(x is None for x in wanted[scope])):
        raise DomainError(
            "Say what the hold covers: the whole client, one engagement or one batch.",
            code=ErrorCode.HOLD_INVALID,
            fields={"scope": ["Choose the client, an engagement or a batch."]},
        )
    eng, bat = wanted[scope]
    with transaction.atomic():
        set_rls_tenants([tenant_id])
        hold = LegalHold.objects.create(
            tenant_id=tenant_id,
            scope=scope,
            engagement=eng,
            batch=bat,
            reason=text,
            placed_by=actor,
            placed_at=timezone.now(),
        )
        events.record(tenant=tenant_id, actor=actor, event=events.hold_placed_event(hold))
    return hold


def release_hold(*, hold: LegalHold, actor: User | None) -> LegalHold:
    with transaction.atomic():
        set_rls_tenants([hold.tenant_id])
        hold = LegalHold.objects.for_tenant(hold.tenant_id).select_for_update().get(pk=hold.pk)
        if hold.released_at is not None:
            raise DomainError(
                "This hold was already released.", code=ErrorCode.HOLD_RELEASED, status=409
            )
        hold.released_at, hold.released_by = timezone.now(), actor
        hold.save(update_fields=["released_at", "released_by"])
        events.record(tenant=hold.tenant_id, actor=actor, event=events.hold_released_event(hold))
    return hold


# --- retention runs --------------------------------------------------------------------------


@dataclass
class RulePreview:
    rule: RetentionRule
    cutoff: datetime
    due: int  # finished before the cutoff and not erased yet
    held: int  # of those, under a legal hold (they stay)

    @property
    def erasable(self) -> int:
        return self.due - self.held


def _due(rule: RetentionRule, cutoff: datetime) -> QuerySet[WorkItem]:
    erased = ErasedItem.objects.for_tenant(rule.tenant_id).values("item_id")
    return (
        WorkItem.objects.for_tenant(rule.tenant_id)
        .filter(engagement_id=rule.engagement_id, state__in=FINISHED, completed_at__lte=cutoff)
        .exclude(pk__in=erased)
    )


def preview_rule(rule: RetentionRule, *, now: datetime | None = None) -> RulePreview:
    """What the rule would erase now (caller's transaction, RLS set)."""
    cutoff = (now or timezone.now()) - timedelta(days=rule.days)
    due = _due(rule, cutoff)
    holds = erase.active_holds(rule.tenant_id)
    held = due.filter(holds.held_q()).count() if holds.any else 0
    return RulePreview(rule=rule, cutoff=cutoff, due=due.count(), held=held)


def apply_rule(
    *, rule: RetentionRule, now: datetime | None = None, batch: int = BATCH
) -> RulePreview:
    """Erase what the rule says is due, a transaction per batch (idempotent: erased items
    are skipped; held ones are left alone). Returns what was found before erasing."""
    now = now or timezone.now()
    with transaction.atomic():
        set_rls_tenants([rule.tenant_id])
        found = preview_rule(rule, now=now)
    while True:
        with transaction.atomic():
            set_rls_tenants([rule.tenant_id])
            holds = erase.active_holds(rule.tenant_id)
            due = _due(rule, found.cutoff)
            if holds.any:
                due = due.exclude(holds.held_q())
            ids = list(due.order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                return found
            erase.erase_items(
                tenant_id=rule.tenant_id,
                item_ids=ids,
                action=rule.action,
                kind=Erasure.Kind.RETENTION,
                actor=None,
            )


def active_rules(tenant_id: int | None = None) -> list[RetentionRule]:
    with transaction.atomic():
        set_rls_bypass()
        rules = RetentionRule.objects.unscoped("the retention run serves every client")
        if tenant_id is not None:
            rules = rules.filter(tenant_id=tenant_id)
        return list(rules.filter(is_active=True).select_related("engagement").order_by("pk"))


def apply_retention(
    *, tenant_id: int | None = None, dry_run: bool = False, now: datetime | None = None
) -> list[RulePreview]:
    """Every active rule (of one tenant, or all): preview only with `dry_run`."""
    now = now or timezone.now()
    out = []
    for rule in active_rules(tenant_id):
        if dry_run:
            with transaction.atomic():
                set_rls_tenants([rule.tenant_id])
                out.append(preview_rule(rule, now=now))
        else:
            out.append(apply_rule(rule=rule, now=now))
    return out


# --- data-subject requests -------------------------------------------------------------------


def _schema_field(engagement: Engagement, field: str) -> str:
    props = (engagement.input_schema or {}).get("properties") or {}
    name = (field or "").strip()
    if name not in props:
        names = ", ".join(sorted(props)) or "none"
        raise DomainError(
            f"The items of {engagement.name} have no field “{name}”. Their fields: {names}.",
            code=ErrorCode.SUBJECT_INVALID,
            fields={"field": ["Choose one of the engagement's fields."]},
        )
    sensitive = {f.name: f for f in sensitive_fields(engagement.input_schema)}
    if name in sensitive and not sensitive[name].searchable:
        raise DomainError(
            f"“{name}” is confidential and not searchable, so items cannot be found by it. "
            "Choose a searchable field such as a reference or an e-mail address.",
            code=ErrorCode.SUBJECT_NOT_SEARCHABLE,
            fields={"field": ["This field cannot be searched."]},
        )
    return name


def matching_items(engagement: Engagement, field: str, value: str) -> list[int]:
    """Ids of the engagement's items (not erased) whose `field` equals `value`: through the
    vault's blind index when the field is confidential, else by the stored value."""
    tenant_id = engagement.tenant_id
    items = WorkItem.objects.for_tenant(tenant_id).filter(engagement=engagement)
    if any(f.name == field for f in sensitive_fields(engagement.input_schema)):
        try:
            ring = keys.keyring(tenant_id)
        except VaultError:
            return []
        path = f"data.{field}"
        digests = [ring.digest(path, value, v) for v in ring.keys]
        ids = BlindIndex.objects.for_tenant(tenant_id).filter(
            record_type=erase.ITEM_RECORD, field=path, digest__in=digests
        )
        items = items.filter(pk__in=ids.values("record_id"))
    else:
        items = items.filter(**{f"data__{field}": value})
    erased = ErasedItem.objects.for_tenant(tenant_id).values("item_id")
    return list(items.exclude(pk__in=erased).order_by("pk").values_list("pk", flat=True))


def receive_request(
    *,
    engagement: Engagement,
    actor: User | None,
    kind: str,
    field: str,
    value: str,
    note: str = "",
) -> SubjectRequest:
    """Log a data subject's request for the client's admin to decide."""
    if kind not in SubjectRequest.Kind.values:
        raise DomainError(
            "Choose whether the person asks for a copy of their data or for its erasure.",
            code=ErrorCode.SUBJECT_INVALID,
            fields={"kind": ["Access or erasure."]},
        )
    name = _schema_field(engagement, field)
    text = (value or "").strip()
    if not text or len(text) > 300:
        raise DomainError(
            "Give the value that identifies the person (up to 300 characters).",
            code=ErrorCode.SUBJECT_INVALID,
            fields={"value": ["Give the identifying value."]},
        )
    with transaction.atomic():
        set_rls_tenants([engagement.tenant_id])
        req = SubjectRequest.objects.create(
            tenant_id=engagement.tenant_id,
            kind=kind,
            engagement=engagement,
            field=name,
            subject_value=text,
            note=(note or "").strip()[:500],
            requested_by=actor,
            requested_at=timezone.now(),
        )
        events.record(tenant=req.tenant_id, actor=actor, event=events.request_received_event(req))
    return req


def _export(req: SubjectRequest, item_ids: list[int]) -> tuple[str, str]:
    """The subject's items as JSON in storage (confidential values opened); (path, sha256)."""
    eng = req.engagement
    try:
        ring: Any = keys.keyring(req.tenant_id)
    except VaultError:
        ring = None
    fields_in = sensitive_fields(eng.input_schema)
    fields_out = sensitive_fields(eng.output_schema)
    all_in = frozenset(f.name for f in fields_in)
    all_out = frozenset(f.name for f in fields_out)
    items = WorkItem.objects.for_tenant(req.tenant_id).filter(pk__in=item_ids).order_by("pk")
    comments = Comment.objects.for_tenant(req.tenant_id).filter(item_id__in=item_ids)
    by_item: dict[int, list[dict]] = {}
    for c in comments.order_by("created_at", "pk"):
        by_item.setdefault(c.item_id, []).append(
            {"kind": c.kind, "body": c.body, "at": c.created_at.isoformat()}
        )
    doc = {
        "format": "backoffice-subject-access/1",
        "request": req.pk,
        "engagement": eng.code,
        "created_at": timezone.now().isoformat(),
        "items": [
            {
                "id": i.pk,
                "reference": i.external_ref,
                "state": i.state,
                "received_at": i.received_at.isoformat(),
                "data": mask_document(ring, fields_in, "data", i.data, reveal=all_in),
                "output": mask_document(ring, fields_out, "output", i.output, reveal=all_out),
                "comments": by_item.get(i.pk, []),
            }
            for i in items
        ],
    }
    body = json.dumps(doc, indent=2, ensure_ascii=False, default=str).encode()
    name = f"privacy/requests/{req.tenant_id}/{req.pk}-{secrets.token_hex(8)}.json"
    path = default_storage.save(name, ContentFile(body))
    return path, hashlib.sha256(body).hexdigest()


def decide_request(
    *, req: SubjectRequest, actor: User | None, approve: bool, reason: str
) -> SubjectRequest:
    """The client admin's decision. Approving an access request writes the export;
    approving an erasure erases the matching items (refused, nothing written, when one is
    under a legal hold). Either way the identifying value is then forgotten."""
    if not (reason or "").strip():
        raise DomainError(
            "Say the reason for the decision: it is kept in the audit trail.",
            code=ErrorCode.DECISION_REASON,
            fields={"reason": ["Give a reason."]},
        )
    text = _text(reason, what="the reason for the decision", code=ErrorCode.DECISION_REASON)
    with transaction.atomic():
        set_rls_tenants([req.tenant_id])
        req = (
            SubjectRequest.objects.for_tenant(req.tenant_id)
            .select_for_update()
            .select_related("engagement")
            .get(pk=req.pk)
        )
        if req.status != SubjectRequest.Status.PENDING:
            raise DomainError(
                "This request was already decided.", code=ErrorCode.REQUEST_DECIDED, status=409
            )
        if approve:
            ids = matching_items(req.engagement, req.field, req.subject_value)
            req.items_matched = len(ids)
            if req.kind == SubjectRequest.Kind.ERASURE:
                req.erasure = erase.erase_items(
                    tenant_id=req.tenant_id,
                    item_ids=ids,
                    action=Action.DELETE,
                    kind=Erasure.Kind.REQUEST,
                    actor=actor,
                )
            else:
                req.export_file, req.export_sha256 = _export(req, ids)
            req.status = SubjectRequest.Status.COMPLETED
        else:
            req.status = SubjectRequest.Status.REFUSED
        req.decision_reason, req.decided_by, req.decided_at = text, actor, timezone.now()
        req.subject_value = ""
        req.save()
        events.record(tenant=req.tenant_id, actor=actor, event=events.request_decided_event(req))
    return req
