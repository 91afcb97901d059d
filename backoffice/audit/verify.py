"""Walk each tenant's chain and name the first broken link."""

from __future__ import annotations

from dataclasses import dataclass

from backoffice.audit.chain import GENESIS, event_hash
from backoffice.audit.models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class BrokenLink:
    tenant_id: int
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"tenant {self.tenant_id}: event #{self.seq}: {self.problem}"


def verify_tenant_chain(tenant_id: int) -> BrokenLink | None:
    expected_seq, prev = 1, GENESIS
    events = AuditEvent.objects.for_tenant(tenant_id).order_by("seq").iterator(chunk_size=2000)
    for e in events:
        if e.seq != expected_seq:
            return BrokenLink(tenant_id, expected_seq, "missing (deleted) event")
        if e.prev_hash != prev:
            return BrokenLink(tenant_id, e.seq, "previous-hash link does not match")
        digest = event_hash(e)
        if digest != e.hash:
            return BrokenLink(tenant_id, e.seq, "content does not match its hash (edited)")
        prev = e.hash
        expected_seq += 1
    head = AuditChainHead.objects.for_tenant(tenant_id).first()
    last = expected_seq - 1
    if head is not None and (head.last_seq != last or head.last_hash != prev):
        return BrokenLink(tenant_id, last + 1, "missing (deleted) event at the end of the chain")
    return None


def verify_all() -> list[BrokenLink]:
    tenant_ids = (
        AuditChainHead.objects.unscoped("verify every tenant's chain")
        .values_list("tenant_id", flat=True)
        .order_by("tenant_id")
    )
    found = []
    for tenant_id in tenant_ids:
        broken = verify_tenant_chain(tenant_id)
        if broken:
            found.append(broken)
    return found
