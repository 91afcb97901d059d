"""The Workforce page: for team leads, today's agents and their states; for everyone on the
roster, their own state bar and the next two weeks of their schedule."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from backoffice.core.errors import DomainError
from backoffice.tenancy.access import tenant_transaction, tenant_view
from backoffice.tenancy.roles import Perm
from backoffice.tenancy.selectors import TenantAccess
from backoffice.workforce import selectors, services
from backoffice.workforce.models import AgentState, Shift
from backoffice.workforce.templatetags.workforce_tags import state_bar_context
from backoffice.workforce.views._common import (
    caller,
    local_hm,
    read_tenants,
    url,
    viewer_zone,
    zone_name,
)


@tenant_view(Perm.VIEW_WORKFORCE)
@tenant_transaction(tenants=read_tenants)
def index(request: HttpRequest) -> HttpResponse:
    access = caller(request)
    selectors.provider_of(access)
    team = request.GET.get("team", "")
    lead = selectors.can_manage(access)
    rows = []
    if lead:
        roster = selectors.profiles(access, team=team)
        rows = [_row(n) for n in selectors.current_states(access, roster)]
    now = timezone.now()
    mine = selectors.shifts(
        access,
        agent_ids=[access.user.pk],
        since=now - timedelta(hours=12),
        until=now + timedelta(days=14),
    )
    me = next((p for p in selectors.profiles(access) if p.user_id == access.user.pk), None)
    return render(
        request,
        "workforce/index.html",
        {
            "lead": lead,
            "rows": rows,
            "teams": selectors.teams(access) if lead else [],
            "team": team,
            "me": me,
            "my_shifts": [_mine(s, me.timezone if me else "UTC") for s in mine],
            "bar": state_bar_context(request),
            "viewer_zone": zone_name(viewer_zone()),
            "at_risk": _at_risk(access, now) if lead else [],
        },
    )


def _at_risk(access: TenantAccess, now: datetime) -> list[dict[str, Any]]:
    """The lead's alert: batch deadlines whose projection passes the deadline."""
    from backoffice.workforce.views.planning import deadline_rows

    return [r for r in deadline_rows(access, now) if r["s"].at_risk]


def _row(n: selectors.Now) -> dict[str, object]:
    zone = n.profile.timezone
    shift = n.shift
    return {
        "name": services.name_of(n.profile.user),
        "team": n.profile.team,
        "local_now": local_hm(timezone.now(), zone),
        "zone": zone_name(zone),
        "state": n.state,
        "state_label": AgentState(n.state).label,
        "since": n.since,
        "shift": (
            f"{local_hm(shift.starts_at, zone)}–{local_hm(shift.ends_at, zone)}" if shift else ""
        ),
        "shift_mine": (
            f"{local_hm(shift.starts_at, viewer_zone())}–{local_hm(shift.ends_at, viewer_zone())}"
            if shift
            else ""
        ),
        "holiday": n.holiday,
    }


def _mine(shift: Shift, zone: str) -> dict[str, object]:
    return {
        "day": shift.local_day,
        "start": local_hm(shift.starts_at, zone),
        "end": local_hm(shift.ends_at, zone),
        "hours": shift.minutes / 60,
        "breaks": [
            f"{a.get_kind_display()} {local_hm(a.starts_at, zone)}–{local_hm(a.ends_at, zone)}"
            for a in shift.activities.all()
        ],
    }


@tenant_view(Perm.VIEW_WORKFORCE)
@tenant_transaction
def set_my_state(request: HttpRequest) -> HttpResponse:
    """The state bar's buttons (and its keys 1 to 5) post here."""
    access = caller(request)
    selectors.provider_of(access)
    if request.method == "POST":
        state = request.POST.get("state", "")
        try:
            services.profile_for(tenant=access.tenant, user=access.user)
            services.set_state(
                tenant=access.tenant, actor=access.user, agent=access.user, state=state
            )
        except DomainError as exc:
            messages.error(request, exc.message)
    if request.headers.get("HX-Request"):
        return render(request, "workforce/_state_bar.html", state_bar_context(request))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = url(access, "index")
    return redirect(back)
