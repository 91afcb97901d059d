"""The demo's workforce: two delivery centres, London and Manila, two agents in each, a
month of schedules and the states the agents went through.

London works a day shift on its own clock; Manila works a night shift that covers the
American clients' business day (21:00 to 06:00 Manila time is 08:00 to 17:00 in New York).
Each centre keeps its country's public holidays. The past four weeks carry states that
drift from the plan the way people do (a few minutes late, a long break now and then, a
weekly training), so adherence and the time figures have something to show; the next ten
days are planned too, and one London agent is on leave in them. Rosters, templates,
shifts and leave go through the services; the state history is inserted in one go.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from backoffice.tenancy import services as tenancy
from backoffice.tenancy.demo import DEMO_PASSWORD, DemoContext
from backoffice.tenancy.models import User
from backoffice.tenancy.roles import Role
from backoffice.workforce import services
from backoffice.workforce.models import AgentProfile, Shift, ShiftActivity, StateInterval
from backoffice.workforce.planning import demo as planning_demo

# username, display name, centre; agent1 and agent2 are the tenancy demo's agents.
AGENTS = [
    ("agent1", "Ahmed Agent", "London"),
    ("agent3", "Liam Walker", "London"),
    ("agent2", "Aiko Agent", "Manila"),
    ("agent4", "Rosa Santos", "Manila"),
]
CENTRES = {
    "London": ("Europe/London", "GB", "ENG"),
    "Manila": ("Asia/Manila", "PH", ""),
}
TEMPLATES = {
    "London": ("London day", time(9), time(17), [{"start": "12:30", "minutes": 30}]),
    "Manila": ("Manila night", time(21), time(6), [{"start": "01:00", "minutes": 60}]),
}


def seed(ctx: DemoContext) -> None:
    provider, lead = ctx.provider, ctx.users.get("lead")
    if lead is None or AgentProfile.objects.for_tenant(provider).exists():
        return
    profiles: dict[str, list[AgentProfile]] = {"London": [], "Manila": []}
    for username, name, centre in AGENTS:
        user = ctx.users.get(username) or _agent(ctx, username, name)
        zone, country, subdivision = CENTRES[centre]
        profile = services.save_profile(
            tenant=provider, actor=lead, user=user, team=centre, timezone_name=zone,
            country=country, subdivision=subdivision,
        )  # fmt: skip
        profiles[centre].append(profile)
    today = timezone.now().date()
    first, last = today - timedelta(days=28), today + timedelta(days=10)
    for centre, (name, start, end, breaks) in TEMPLATES.items():
        template = services.save_template(
            tenant=provider, actor=lead, name=name, start=start, end=end, breaks=breaks
        )
        services.assign_template(
            tenant=provider, actor=lead, template=template, profiles=profiles[centre],
            first_day=first, last_day=last,
        )  # fmt: skip
    on_leave = profiles["London"][1]
    services.add_leave(
        tenant=provider, actor=lead, profile=on_leave, first_day=today + timedelta(days=3),
        last_day=today + timedelta(days=4), note="Family visit",
    )  # fmt: skip
    rng = random.Random(18)
    for centre_profiles in profiles.values():
        for p in centre_profiles:
            _live_the_month(p, rng)
    planning_demo.seed(ctx)


def _agent(ctx: DemoContext, username: str, name: str) -> User:
    user = User.objects.filter(username=username).first() or tenancy.create_user(
        username=username, password=DEMO_PASSWORD, email=f"{username}@example.com",
        display_name=name,
    )  # fmt: skip
    tenancy.add_member(organization=ctx.provider, user=user, role=Role.AGENT)
    for client in ctx.clients:
        tenancy.add_member(organization=client, user=user, role=Role.AGENT)
    ctx.users[username] = user
    return user


def _live_the_month(profile: AgentProfile, rng: random.Random) -> None:
    """States for each shift that has started: in a few minutes late (or early), the
    scheduled break (sometimes long), a weekly training hour, offline at the end. The
    history is written in one insert (a month of state changes through the service, each
    with its audit event, made the demo slow); the state the agent is in now goes through
    `set_state` like any other."""
    now = timezone.now()
    shifts = Shift.objects.for_tenant(profile.tenant).filter(
        agent_id=profile.user_id, starts_at__lte=now
    )
    steps = [step for shift in shifts.order_by("starts_at") for step in _day(shift, rng)]
    past = [(at, state) for at, state in steps if at < now]
    if not past:
        return
    *history, (last_at, last_state) = past
    ends = [at for at, _ in history[1:]] + [last_at]
    rows = [
        StateInterval(
            tenant=profile.tenant,
            agent_id=profile.user_id,
            state=state,
            started_at=at,
            ended_at=end,
            source=StateInterval.Source.AGENT,
        )
        for (at, state), end in zip(history, ends, strict=True)
    ]
    StateInterval.objects.bulk_create(rows)
    services.set_state(
        tenant=profile.tenant, actor=profile.user, agent=profile.user, state=last_state, at=last_at
    )


def _day(shift: Shift, rng: random.Random) -> list[tuple[datetime, str]]:
    m = timedelta(minutes=1)
    steps = [(shift.starts_at + rng.choice([-5, -2, 0, 0, 3, 8, 15]) * m, "available")]
    breaks = ShiftActivity.objects.for_tenant(shift.tenant_id).filter(shift=shift)
    for b in breaks:
        steps.append((b.starts_at + rng.choice([0, 0, 2, 5]) * m, "on_break"))
        steps.append((b.ends_at + rng.choice([0, 0, 3, 10, 20]) * m, "available"))
    local = shift.starts_at.astimezone(ZoneInfo(shift.timezone))
    if local.weekday() == 2:  # Wednesday: an hour of training two hours in
        training = shift.starts_at + timedelta(hours=2)
        steps.append((training, "training"))
        steps.append((training + timedelta(hours=1), "available"))
    steps.append((shift.ends_at + rng.choice([-10, 0, 0, 5]) * m, "offline"))
    return sorted(steps)
