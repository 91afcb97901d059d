"""The set-up index: what there is to set up, with counts and links."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from backoffice.tenancy.access import tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.work.setup import access as setup_access
from backoffice.work.setup.views._common import page_access, setup_pages, setup_url


@tenant_view(Perm.MANAGE_CATALOG)
@setup_pages
def index(request: HttpRequest) -> HttpResponse:
    access = page_access(request)
    is_provider = access.tenant.is_provider
    sections = []
    if is_provider:
        sections.append(
            (
                "Service types",
                len(setup_access.setup_service_types(access)),
                setup_url(request, "service_types"),
                "What the provider sells: the agent's form, workflow, QA sample, billing unit.",
            )
        )
    sections += [
        (
            "Business calendars",
            len(setup_access.setup_calendars(access)),
            setup_url(request, "calendars"),
            "Each client's working hours, public holidays and closures: the SLA clock.",
        ),
        (
            "Engagements",
            len(setup_access.setup_engagements(access)),
            setup_url(request, "engagements"),
            "A client's contract for a service type: SLA, calendar, priority rules.",
        ),
    ]
    if is_provider:
        sections.append(
            (
                "Queues and routing",
                len(setup_access.setup_queues(access)),
                setup_url(request, "queues"),
                "What agents claim from: by engagement, service type, skill, language, priority.",
            )
        )
    return render(
        request,
        "work/setup/index.html",
        {"sections": sections, "clients": setup_access.setup_clients(access)},
    )
