"""Workforce test data: agents on the roster, states at given instants, shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess, access_tenant
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.workforce import services
from backoffice.workforce.models import AgentProfile, Shift, StateInterval


def person(provider: Organization, username: str, role: str = Role.AGENT, **kw: str) -> User:
    user = UserFactory.create(username=username, display_name=kw.pop("name", username.title()))
    make_member(provider, user, role)
    return user


def agent(
    provider: Organization,
    username: str,
    *,
    zone: str = "Europe/London",
    country: str = "GB",
    team: str = "London",
) -> AgentProfile:
    user = person(provider, username)
    return services.save_profile(
        tenant=provider,
        actor=None,
        user=user,
        team=team,
        timezone_name=zone,
        country=country,
        subdivision="ENG" if country == "GB" else "",
    )


def access_of(user: User, tenant: Organization) -> TenantAccess:
    return access_tenant(user=user, slug=tenant.slug)


def local(text: str, zone: str = "Europe/London") -> datetime:
    """'2026-12-07T09:15' in `zone`, as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def states(profile: AgentProfile, *steps: tuple[str, str]) -> list[StateInterval]:
    """Set the agent's states at local times: ("09:15 2026-12-07", "available"), …"""
    out = []
    for at, state in steps:
        out.append(
            services.set_state(
                tenant=profile.tenant,
                actor=profile.user,
                agent=profile.user,
                state=state,
                at=local(at, profile.timezone),
            )
        )
    return out


def shift(
    profile: AgentProfile,
    day: str,
    start: str,
    end: str,
    breaks: tuple[tuple[str, int], ...] = (),
    *,
    actor: User | None = None,
) -> Shift:
    spec = services.ShiftIn.on(
        date.fromisoformat(day),
        time.fromisoformat(start),
        time.fromisoformat(end),
        [services.BreakIn(time.fromisoformat(s), m) for s, m in breaks],
    )
    return services.add_shift(
        tenant=profile.tenant, actor=actor or profile.user, profile=profile, spec=spec
    )
