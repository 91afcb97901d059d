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
    lane: int = 0

    def __str__(self) -> str:
        where = f"lane {self.lane} event #{self.seq}" if self.lane else f"event #{self.seq}"
        return f"tenant {self.tenant_id}: {where}: {self.problem}"


def verify_tenant_chain(tenant_id: int) -> BrokenLink | None:
    """Every lane of the tenant's chain, lane 0 first; the first broken link found."""
    events = AuditEvent.objects.for_tenant(tenant_id)
    heads = {h.lane: h for h in AuditChainHead.objects.for_tenant(tenant_id)}
    lanes = sorted(set(heads) | set(events.values_list("lane", flat=True).distinct()))
    for lane in lanes:
        broken = _verify_lane(tenant_id, lane, heads.get(lane))
        if broken:
            return broken
    return None


def _verify_lane(tenant_id: int, lane: int, head: AuditChainHead | None) -> BrokenLink | None:
    expected_seq, prev = 1, GENESIS
    events = (
        AuditEvent.objects.for_tenant(tenant_id)
        .filter(lane=lane)
        .order_by("seq")
        .iterator(chunk_size=2000)
    )
    for e in events:
        if e.seq != expected_seq:
            return BrokenLink(tenant_id, expected_seq, "missing (deleted) event", lane)
        if e.prev_hash != prev:
            return BrokenLink(tenant_id, e.seq, "previous-hash link does not match", lane)
        digest = event_hash(e)
        if digest != e.hash:
            return BrokenLink(tenant_id, e.seq, "content does not match its hash (edited)", lane)
        prev = e.hash
        expected_seq += 1
    last = expected_seq - 1
    if head is not None and (head.last_seq != last or head.last_hash != prev):
        return BrokenLink(
            tenant_id, last + 1, "missing (deleted) event at the end of the chain", lane
        )
    return None


@dataclass(frozen=True)
class ChainReport:
    """A tenant's chain as checked just now: how many events, and the first broken link."""

    events: int
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def words(self) -> str:
        """The result as the auditor reads it."""
        if self.broken is None:
            if self.events == 0:
                return "No events recorded yet: nothing to verify."
            noun = "event" if self.events == 1 else "events"
            return f"All {self.events:,} {noun} verified, chain intact."
        b = self.broken
        where = f"event #{b.lane}.{b.seq}" if b.lane else f"event #{b.seq}"
        return (
            f"The chain is broken at {where}: {b.problem}. "
            "Events after this point cannot be trusted until it is explained."
        )


def check_tenant_chain(tenant_id: int) -> ChainReport:
    """Verify the tenant's whole chain now (every lane) and count what was checked."""
    broken = verify_tenant_chain(tenant_id)
    return ChainReport(events=AuditEvent.objects.for_tenant(tenant_id).count(), broken=broken)


def verify_all() -> list[BrokenLink]:
    tenant_ids = (
        AuditChainHead.objects.unscoped("verify every tenant's chain")
        .values_list("tenant_id", flat=True)
        .order_by("tenant_id")
        .distinct()
    )
    found = []
    for tenant_id in tenant_ids:
        broken = verify_tenant_chain(tenant_id)
        if broken:
            found.append(broken)
    return found
