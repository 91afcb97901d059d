"""The demo's privacy data: a retention rule and a legal hold at Acme Insurance, and one
data-subject request that Acme's admin has decided."""

from backoffice.privacy import services
from backoffice.privacy.models import RetentionRule
from backoffice.tenancy.demo import DemoContext
from backoffice.vault.fields import sensitive_fields
from backoffice.work.models import Engagement


def _subject_field(engagement: Engagement) -> str | None:
    """A field a person can be found by: searchable if confidential, else any."""
    props = (engagement.input_schema or {}).get("properties") or {}
    closed = {f.name for f in sensitive_fields(engagement.input_schema) if not f.searchable}
    return next((name for name in props if name not in closed), None)


def seed(ctx: DemoContext) -> None:
    acme = next((c for c in ctx.clients if c.slug == "acme-insurance"), None)
    if acme is None or RetentionRule.objects.for_tenant(acme).exists():
        return
    engagements = list(Engagement.objects.for_tenant(acme).order_by("pk"))
    if not engagements:
        return
    admin = ctx.users.get("admin")
    first, last = engagements[0], engagements[-1]
    services.set_retention_rule(engagement=first, actor=admin, days=365, action="delete")
    services.place_hold(
        tenant_id=acme.pk,
        actor=admin,
        scope="engagement",
        engagement=last,
        reason="Litigation hold: claim dispute 2026-114 (counsel's letter of 3 November)",
    )
    field = _subject_field(first)
    if field is None:
        return
    req = services.receive_request(
        engagement=first,
        actor=ctx.users.get("ops"),
        kind="erasure",
        field=field,
        value="Jane Example" if field in ("claimant", "name") else "AC-9999999",
        note="E-mail to the provider's privacy desk, forwarded to Acme.",
    )
    services.decide_request(
        req=req,
        actor=ctx.users.get("acme-admin"),
        approve=False,
        reason="Not a customer of Acme: no policy in this name.",
    )
