"""`{% workforce_state_bar %}`: the agent's one-key state bar, for the site layout.

It shows only to people acting in a provider tenant with `workforce.view`; elsewhere it
renders nothing, so the layout may include it on every page."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest

from backoffice.tenancy.roles import Perm
from backoffice.workforce.models import AGENT_CHOSEN, AgentState, StateInterval

register = template.Library()

KEYS = {state: str(n) for n, state in enumerate(AGENT_CHOSEN, start=1)}


def state_bar_context(request: HttpRequest) -> dict[str, Any]:
    access = getattr(request, "access", None)
    if access is None or not access.tenant.is_provider or not access.can(Perm.VIEW_WORKFORCE):
        return {"show": False}
    current = (
        StateInterval.objects.for_tenant(access.tenant)
        .filter(agent=access.user, ended_at__isnull=True)
        .first()
    )
    state = current.state if current else AgentState.OFFLINE
    return {
        "show": True,
        "tenant_slug": access.tenant.slug,
        "current": state,
        "current_label": AgentState(state).label,
        "since": current.started_at if current else None,
        "choices": [(s.value, s.label, KEYS[s]) for s in AGENT_CHOSEN],
        # after an htmx post the bar comes back for the page it sits on, not for the post
        "next": request.POST.get("next") or request.get_full_path(),
    }


@register.inclusion_tag("workforce/_state_bar.html", takes_context=True)
def workforce_state_bar(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    if request is None:
        return {"show": False}
    return {**state_bar_context(request), "csrf_token": context.get("csrf_token")}


@register.filter
def duration(seconds: float | None) -> str:
    """Seconds as people read a duration: "7 h 30 min", "45 min", "0 min"."""
    total = round((seconds or 0) / 60)
    hours, minutes = divmod(total, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


@register.filter
def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:g} %"
