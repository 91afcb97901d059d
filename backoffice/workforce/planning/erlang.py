"""The staffing arithmetic: Erlang C for work that must be answered within seconds or
minutes, and the backlog formula for deferred work. Pure functions, no database.

Erlang C (M/M/N queue, callers wait, nobody abandons) with traffic A = arrivals x handle
time ÷ interval length, in Erlangs:

    P(wait)  = C(N, A), computed through the Erlang B recursion
               B(0) = 1, B(k) = A*B(k-1) ÷ (k + A*B(k-1)),  C = N*B ÷ (N - A*(1 - B))
    service  = 1 - C(N, A) * exp(-(N - A) * target ÷ handle time)

The recursion is stable for thousands of agents (no factorials) and lets `agents_for_service`
try N, N+1, … in one pass. Shrinkage (time paid but not on work: absence, coaching, unplanned
breaks) turns people on work into people to schedule: ÷ (1 - shrinkage).

The backlog formula: people = work content ÷ (hours available x (1 - shrinkage) x occupancy),
rounded up — a person is not divisible.
"""

from __future__ import annotations

import math


def erlang_c(traffic: float, agents: int) -> float:
    """The probability that an arrival waits, with `traffic` Erlangs and `agents` agents
    (1 when the agents cannot keep up: traffic ≥ agents)."""
    if traffic <= 0:
        return 0.0
    if agents <= traffic:
        return 1.0
    b = 1.0
    for k in range(1, agents + 1):
        b = traffic * b / (k + traffic * b)
    return agents * b / (agents - traffic * (1 - b))


def service_level(
    traffic: float, agents: int, handle_seconds: float, target_seconds: float
) -> float:
    """The share of arrivals answered within `target_seconds` (0 to 1)."""
    if traffic <= 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    wait = erlang_c(traffic, agents)
    return 1 - wait * math.exp(-(agents - traffic) * target_seconds / handle_seconds)


def agents_for_service(
    *,
    arrivals: float,
    interval_seconds: float,
    handle_seconds: float,
    target_seconds: float,
    service_target: float,
    max_occupancy: float = 1.0,
) -> int:
    """The fewest agents on work that answer `service_target` (0 to 1) of `arrivals` within
    `target_seconds`, with occupancy (traffic ÷ agents) at most `max_occupancy`."""
    if arrivals <= 0 or handle_seconds <= 0:
        return 0
    traffic = arrivals * handle_seconds / interval_seconds
    floor = max(math.floor(traffic) + 1, math.ceil(traffic / max_occupancy - 1e-9))
    # Erlang B up to the first candidate, then one step per extra agent.
    b = 1.0
    for k in range(1, floor + 1):
        b = traffic * b / (k + traffic * b)
    n = floor
    while True:
        wait = n * b / (n - traffic * (1 - b))
        answered = 1 - wait * math.exp(-(n - traffic) * target_seconds / handle_seconds)
        if answered >= service_target - 1e-12:
            return n
        n += 1
        b = traffic * b / (n + traffic * b)


def with_shrinkage(agents: float, shrinkage: float) -> int:
    """People to schedule so that `agents` are on work after `shrinkage` (0 to <1)."""
    if agents <= 0:
        return 0
    return math.ceil(agents / (1 - shrinkage) - 1e-9)


def backlog_people(
    *, items: float, handle_minutes: float, hours: float, shrinkage: float, occupancy: float
) -> int | None:
    """People needed to finish `items` of `handle_minutes` each in `hours` of working time,
    each person productive (1 - shrinkage) x occupancy of their hours. None when no hours
    are left (no number of people can do it)."""
    if items <= 0:
        return 0
    if hours <= 0:
        return None
    return math.ceil(
        backlog_load(
            items=items,
            handle_minutes=handle_minutes,
            hours=hours,
            shrinkage=shrinkage,
            occupancy=occupancy,
        )
        - 1e-9
    )


def backlog_load(
    *, items: float, handle_minutes: float, hours: float, shrinkage: float, occupancy: float
) -> float:
    """The backlog formula before rounding: work hours ÷ productive hours per person."""
    if hours <= 0:
        return math.inf if items > 0 else 0.0
    return (items * handle_minutes / 60) / (hours * (1 - shrinkage) * occupancy)
