"""The client's decision on a quote. Accepting is one transaction: under the quote's row
lock it is checked (sent, not expired, the caller's own), then the engagement with its
service level and business calendar, and the billing contract with a rate card carrying
the quoted charges, are made (or, for a change request, the engagement's service level
changed and a new rate card added from today); any refusal on the way writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from backoffice.billing import services as billing
from backoffice.billing.models import (
    Contract,
    ContractEngagement,
    ContractVersion,
    ServiceLevelMetric,
)
from backoffice.core.errors import Conflict, DomainError, Forbidden
from backoffice.portal.projects import events, selectors
from backoffice.portal.projects.error_codes import ErrorCode
from backoffice.portal.projects.models import ProjectRequest, Quote, QuoteLine
from backoffice.portal.projects.services._common import decimal_or_none, see_both
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.work import services as work
from backoffice.work.models import Engagement


@dataclass(frozen=True)
class Outcome:
    engagement: Engagement
    contract: Contract
    version: ContractVersion


def _require_decider(access: TenantAccess) -> None:
    if access.tenant.is_provider:
        raise Forbidden("Quotes are accepted or declined by the client.")
    access.require(Perm.ACCEPT_QUOTES)


def _decided_error(quote: Quote) -> Conflict:
    when = timezone.localtime(quote.decided_at).strftime("%-d %B %Y") if quote.decided_at else ""
    words = {
        Quote.Status.ACCEPTED: f"This quote was already accepted{' on ' + when if when else ''}.",
        Quote.Status.DECLINED: f"This quote was declined{' on ' + when if when else ''}.",
        Quote.Status.WITHDRAWN: "This quote was replaced by a newer one: open the newest quote.",
    }
    return Conflict(
        words.get(quote.status, "This quote cannot be decided."),  # type: ignore[call-overload]
        code=ErrorCode.QUOTE_ALREADY_DECIDED,
    )


def _lock_open_quote(access: TenantAccess, quote_id: int) -> tuple[Quote, ProjectRequest]:
    quote = selectors.access_quote_by_id(access, quote_id, for_update=True)
    if quote.status != Quote.Status.SENT:
        raise _decided_error(quote)
    if selectors.is_expired(quote):
        raise Conflict(
            f"This quote expired on {quote.valid_until:%-d %B %Y}: ask the provider for a new one.",
            code=ErrorCode.QUOTE_EXPIRED,
        )
    req = selectors.access_request_by_id(access, quote.request_id, for_update=True)
    return quote, req


def _charges(quote: Quote) -> list[billing.ChargeIn]:
    return [
        billing.ChargeIn(
            code=x.code,
            name=x.name,
            metric=x.metric,
            model=x.model,
            unit_rate=x.unit_rate,
            per_units=x.per_units,
            free_units=x.free_units,
            package_size=x.package_size,
            tiers=[
                billing.TierIn(
                    decimal_or_none(t["from_units"]) or 0,
                    decimal_or_none(t.get("up_to")),
                    int(t["unit_rate"]),
                    int(t.get("flat_fee", 0)),
                )
                for t in x.tiers
            ],
        )
        for x in QuoteLine.objects.for_tenant(quote.tenant_id).filter(quote=quote)
    ]


def _rate_card(
    access: TenantAccess, quote: Quote, contract: Contract, engagement: Engagement, start: object
) -> ContractVersion:
    return billing.add_version(
        tenant=contract.tenant,
        actor=access.user,
        contract_id=contract.pk,
        effective_from=start,  # type: ignore[arg-type]
        charges=_charges(quote),
        service_levels=[
            billing.ServiceLevelIn(
                engagement_id=engagement.pk,
                metric=ServiceLevelMetric.ON_TIME,
                target_percent=quote.sla_target_percent,
                allocation_percent=0,
            )
        ],
        setup_fee=quote.setup_fee,
        minimum_commitment=quote.minimum_commitment,
        recurring_fee=quote.recurring_fee,
        recurring_label="Monthly fee" if quote.recurring_fee else "",
    )


def _new_contract(
    access: TenantAccess, quote: Quote, req: ProjectRequest, eng: Engagement
) -> Outcome:
    contract = billing.create_contract(
        tenant=req.tenant,
        actor=access.user,
        client_id=req.client_id,
        code=f"project-{req.pk}",
        name=req.title,
        currency=quote.currency,
        engagement_ids=[eng.pk],
        calendar_id=eng.calendar_id,
    )
    start = selectors.today_in(req.client.timezone)
    return Outcome(eng, contract, _rate_card(access, quote, contract, eng, start))


def _open_project(access: TenantAccess, quote: Quote, req: ProjectRequest) -> Outcome:
    hours = [[quote.day_start.strftime("%H:%M"), quote.day_end.strftime("%H:%M")]]
    eng = work.open_engagement(
        client=req.client,
        actor=access.user,
        service_type_id=int(quote.service_type_id or 0),
        terms=work.EngagementTerms(
            code=f"project-{req.pk}",
            name=req.title,
            sla_minutes=quote.sla_minutes,
            sla_basis=quote.sla_basis,
            sla_target_percent=quote.sla_target_percent,
        ),
        calendar=work.CalendarTerms(
            timezone_name=quote.timezone,
            working_hours={d: hours for d in quote.work_days.split(",")},
            holiday_country=quote.holiday_country,
        ),
    )
    return _new_contract(access, quote, req, eng)


def _change_project(access: TenantAccess, quote: Quote, req: ProjectRequest) -> Outcome:
    eng = Engagement.objects.for_tenant(req.client_id).get(pk=req.engagement_id)
    work.update_engagement(
        engagement=eng,
        actor=access.user,
        sla_minutes=quote.sla_minutes,
        sla_basis=quote.sla_basis,
        sla_target_percent=quote.sla_target_percent,
    )
    link = ContractEngagement.objects.for_tenant(req.tenant_id).filter(engagement=eng).first()
    if link is None:
        return _new_contract(access, quote, req, eng)
    contract = Contract.objects.for_tenant(req.tenant_id).get(pk=link.contract_id)
    today = selectors.today_in(contract.timezone)
    current = (
        ContractVersion.objects.for_tenant(req.tenant_id)
        .filter(contract=contract, effective_to__isnull=True)
        .order_by("-effective_from")
        .first()
    )
    start = today
    if current is not None:
        start = max(today, current.effective_from + timedelta(days=1))
        billing.end_version(
            tenant=contract.tenant,
            actor=access.user,
            version_id=current.pk,
            effective_to=start - timedelta(days=1),
        )
    return Outcome(eng, contract, _rate_card(access, quote, contract, eng, start))


def accept_quote(*, access: TenantAccess, quote_id: int) -> Outcome:
    """Accept a sent, unexpired quote of the caller's organization and start the work."""
    _require_decider(access)
    with transaction.atomic():
        see_both(access)
        quote, req = _lock_open_quote(access, quote_id)
        if req.kind == ProjectRequest.Kind.CHANGE:
            outcome = _change_project(access, quote, req)
        else:
            outcome = _open_project(access, quote, req)
        quote.status = Quote.Status.ACCEPTED
        quote.decided_by = access.user
        quote.decided_at = timezone.now()
        quote.save(update_fields=["status", "decided_by", "decided_at"])
        req.status = ProjectRequest.Status.ACCEPTED
        req.engagement = outcome.engagement
        req.contract = outcome.contract
        req.save(update_fields=["status", "engagement", "contract", "updated_at"])
        event = events.quote_accepted(
            quote, outcome.engagement.pk, outcome.contract.pk, outcome.version.pk
        )
        events.record(tenant=req.tenant_id, actor=access.user, event=event)
    return outcome


def decline_quote(*, access: TenantAccess, quote_id: int, reason: str = "") -> Quote:
    """Decline a sent quote; the provider may send another."""
    _require_decider(access)
    if len(reason) > 2000:
        raise DomainError(
            "The reason is too long.",
            code=ErrorCode.INVALID_QUOTE,
            fields={"reason": ["at most 2,000 characters"]},
        )
    with transaction.atomic():
        see_both(access)
        quote = selectors.access_quote_by_id(access, quote_id, for_update=True)
        if quote.status != Quote.Status.SENT:
            raise _decided_error(quote)
        req = selectors.access_request_by_id(access, quote.request_id, for_update=True)
        quote.status = Quote.Status.DECLINED
        quote.decided_by = access.user
        quote.decided_at = timezone.now()
        quote.decline_reason = reason.strip()
        quote.save(update_fields=["status", "decided_by", "decided_at", "decline_reason"])
        req.status = ProjectRequest.Status.DECLINED
        req.save(update_fields=["status", "updated_at"])
        events.record(tenant=req.tenant_id, actor=access.user, event=events.quote_declined(quote))
    return quote
