"""Project-request test data: the provider's books, a service with standard rates, the
people on both sides, and requests and quotes made through the real services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from backoffice.billing.tests import factories as billing_f
from backoffice.portal.projects import services
from backoffice.portal.projects.models import ProjectRequest, Quote
from backoffice.portal.projects.services import LineIn, TierIn
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work.models import ServiceType
from backoffice.work.tests.factories import make_service_type


def access(user: User, org: Organization, role: str) -> TenantAccess:
    return TenantAccess(user=user, tenant=org, role=role)


def person(org: Organization, username: str, role: str) -> TenantAccess:
    user = UserFactory.create(username=username)
    make_member(org, user, role)
    return access(user, org, role)


def ops_manager(provider: Organization, *clients: Organization) -> TenantAccess:
    """An operations manager of the provider who serves `clients`."""
    user = UserFactory.create(username="olga")
    make_member(provider, user, Role.OPERATIONS_MANAGER)
    for c in clients:
        make_member(c, user, Role.OPERATIONS_MANAGER)
    return access(user, provider, Role.OPERATIONS_MANAGER)


def capture_service(provider: Organization, ops: TenantAccess) -> ServiceType:
    """A capture service priced 0.45 EUR a page for the first 1,000 pages of a month, 0.30
    after (graduated), and 0.10 an item."""
    st = make_service_type(provider, code="capture", name="Document capture")
    services.set_standard_rate(
        access=ops,
        service_type_id=st.pk,
        currency="EUR",
        line=LineIn(
            "pages", "Pages keyed", "pages", "graduated",
            tiers=[TierIn(0, 1000, 45), TierIn(1000, None, 30)],
        ),
    )  # fmt: skip
    services.set_standard_rate(
        access=ops,
        service_type_id=st.pk,
        currency="EUR",
        line=LineIn("items", "Documents", "items", "per_unit", unit_rate=10),
    )
    return st


def books(provider: Organization) -> Organization:
    return billing_f.provider_books(provider)


def request_in(st: ServiceType | None, **kw: Any) -> services.RequestIn:
    values: dict[str, Any] = {
        "title": "Supplier invoices 2027",
        "description": "About 4,000 supplier invoices a month, PDF, keyed into our ERP format.",
        "service_type_id": st.pk if st else None,
        "expected_volume": 4000,
        "volume_unit": "invoices a month",
        "deadline": date.today() + timedelta(days=30),
        "languages": "German, English",
    }
    values.update(kw)
    return services.RequestIn(**values)


def submitted(client_user: TenantAccess, st: ServiceType | None, **kw: Any) -> ProjectRequest:
    return services.create_request(access=client_user, data=request_in(st, **kw), submit=True)


def sent_quote(ops: TenantAccess, req: ProjectRequest, **kw: Any) -> Quote:
    start = services.starting_quote(ops, req)
    data = services.QuoteIn(**{**start.__dict__, **kw})
    quote = services.save_quote(access=ops, request_id=req.pk, data=data)
    return services.send_quote(access=ops, quote_id=quote.pk)
