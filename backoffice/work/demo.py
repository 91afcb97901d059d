"""Demo work: a catalogue, one or two engagements per client, items in flight."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from backoffice.tenancy.demo import DemoContext
from backoffice.work import demo_documents, qa, services
from backoffice.work.catalog import TEMPLATES
from backoffice.work.models import State, WorkItem
from backoffice.work.services import ItemInput

# client slug -> [(engagement code, template, holiday subdivision, SLA minutes, rules)]
ENGAGEMENTS: dict[str, list[tuple[str, str, str, int, list[dict[str, Any]]]]] = {
    "acme-insurance": [
        (
            "claims",
            "claim-intake",
            "NY",
            8 * 60,
            [{"field": "claimed_amount", "gte": 10000, "priority": 8}],
        ),
    ],
    "globex-retail": [
        ("ap-invoices", "invoice-capture", "BE", 8 * 60, []),
        (
            "orders",
            "order-processing",
            "BE",
            4 * 60,
            [{"field": "urgent", "equals": True, "priority": 9}],
        ),
    ],
    "initech-health": [("dictation", "medical-transcription", "ENG", 24 * 60, [])],
}


def _data(template: str, i: int, rng: random.Random) -> dict[str, Any]:
    if template == "claim-intake":
        return {
            "policy_number": f"AC-{100000 + i:06d}",
            "claimant": rng.choice(["J. Rivera", "M. Chen", "A. Okafor", "S. Novak"]),
            "bank_account": f"DE{10 + i % 89:02d}3704004405320{i:05d}",
            "loss_date": (date(2026, 11, 1) + timedelta(days=i % 20)).isoformat(),
            "claimed_amount": rng.choice([450, 1200, 3800, 12500, 27000]),
            "line_of_business": rng.choice(["auto", "home", "health"]),
        }
    if template == "invoice-capture":
        return {"pages": rng.randint(1, 4), "supplier": rng.choice(["Bosch", "Siemens", ""])}
    if template == "order-processing":
        return {
            "customer": rng.choice(["Kaufhaus Nord", "Markt 24", "Café Süd"]),
            "lines": [{"description": "Widget", "quantity": rng.randint(1, 20), "unit_price": 9.5}],
            "urgent": i % 7 == 0,
        }
    return {"audio_minutes": rng.choice([3, 7.5, 12]), "clinician": "Dr. Patel"}


def seed(ctx: DemoContext) -> None:
    rng = random.Random(42)
    users = ctx.users
    admin = users.get("admin")
    types = {
        code: services.create_service_type(
            provider=ctx.provider, actor=admin, code=code, template=code
        )
        for code in TEMPLATES
    }
    engagements = []
    for client in ctx.clients:
        for code, template, subdivision, sla, rules in ENGAGEMENTS.get(client.slug, []):
            calendar = services.create_calendar(
                tenant=client,
                actor=admin,
                name=f"{code} calendar",
                holiday_subdivision=subdivision,
                closures=["2026-12-24", "2026-12-31"],
            )
            engagement = services.create_engagement(
                tenant=client,
                actor=admin,
                service_type=types[template],
                calendar=calendar,
                code=code,
                name=f"{client.name.split()[0]} — {TEMPLATES[template]['name']}",
                sla_minutes=sla,
                priority_rules=rules,
            )
            for username, is_lead in (("lead", True), ("agent1", False), ("agent2", False)):
                if username in users:
                    services.add_team_member(
                        engagement=engagement, user=users[username], actor=admin, is_lead=is_lead
                    )
            prefix = client.slug.split("-")[0]
            submitter = users.get(f"{prefix}-user")
            services.submit_items(
                engagement=engagement,
                actor=submitter,
                rows=[
                    ItemInput(f"{code.upper()}-{1000 + i}", _data(template, i, rng))
                    for i in range(12)
                ],
                source="demo.csv",
            )
            demo_documents.attach_sources(engagement, submitter, random.Random(7))
            engagements.append(engagement)
    services.create_queue(
        provider=ctx.provider, actor=admin, code="urgent", name="Urgent", min_priority=8
    )
    services.create_queue(provider=ctx.provider, actor=admin, code="all", name="Everything")
    _set_in_flight(ctx, engagements)
    _score_samples(ctx, engagements)


def _set_in_flight(ctx: DemoContext, engagements: list[Any]) -> None:
    """In every engagement agents finish some items, ask a question, keep some in hand."""
    agents = [ctx.users[u] for u in ("agent1", "agent2") if u in ctx.users]
    outputs: dict[str, dict[str, Any]] = {
        "claim-intake": {"decision": "approve", "approved_amount": 450},
        "invoice-capture": {
            "invoice_number": "R-2026-118",
            "invoice_date": "2026-11-12",
            "supplier": "Bosch",
            "currency": "EUR",
            "total": 1180.4,
            "lines": [
                {"description": "Cordless screwdriver 12 V", "quantity": 2, "unit_price": 450},
                {"description": "Spirit level 60 cm", "quantity": 1, "unit_price": 280.4},
            ],
        },
        "order-processing": {"order_number": "SO-5531", "confirmed": True},
        "medical-transcription": {"transcript": "Patient seen for follow-up. Stable."},
    }
    question = "Page 2 of the scan is missing. Can you send it again?"
    for engagement in engagements:
        template = engagement.service_type.code
        for step in range(5):
            agent = agents[step % len(agents)]
            item = services.claim_next_item(
                agent=agent, tenant_ids=[engagement.tenant_id], engagement_ids=[engagement.pk]
            )
            if item is None:
                break
            if step < 3:
                services.complete_item(item=item, actor=agent, output=outputs[template])
            elif step == 3:
                services.ask_client(item=item, actor=agent, question=question)


def _score_samples(ctx: DemoContext, engagements: list[Any]) -> None:
    """The QA reviewer scores the items the sample sent to review: one field corrected."""
    reviewer = ctx.users.get("qa")
    if reviewer is None:
        return
    for engagement in engagements:
        waiting = WorkItem.objects.for_tenant(engagement.tenant_id).filter(
            engagement=engagement, state=State.IN_REVIEW
        )
        for item in waiting:
            verdicts = {name: qa.FieldVerdict("correct") for name in qa.review_fields(item)}
            props = engagement.output_schema.get("properties", {})
            output = item.output or {}
            for name, value in sorted(output.items()):  # JSONB keeps no key order
                better = _corrected(props.get(name, {}), value)
                if better is not None:
                    verdicts[name] = qa.FieldVerdict("corrected", better)
                    break
            qa.record_qa_review(item=item, actor=reviewer, verdicts=verdicts, decision="accept")


def _corrected(prop: dict[str, Any], value: Any) -> Any:
    """Another valid value for a demo correction, or None when there is no obvious one."""
    if "enum" in prop:
        others = [v for v in prop["enum"] if v != value]
        return others[0] if others else None
    if prop.get("type") == "number" and isinstance(value, int | float):
        return value + 1
    if prop.get("type") == "string" and isinstance(value, str) and "format" not in prop:
        return value + " (checked)"
    return None
