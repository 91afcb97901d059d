"""Every error code workforce gives its callers (`{"error": {"code": ...}}` in the API).

The values are API: clients branch on them, so they never change. An error raised without
one of these carries its class's code from `core.errors` (`invalid`, `not_found`,
`conflict`, `forbidden`).
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    # Agent states and schedules are kept in the provider's account, not a client's.
    NOT_A_PROVIDER = "workforce_provider_only"
    # Not one of the states an agent may choose (busy and away are the product's).
    INVALID_STATE = "invalid_state"
    # A shift that ends before it starts, a break outside it, overlapping breaks.
    INVALID_SHIFT = "invalid_shift"
    # A shift longer than 24 hours of real time (a night the clocks go back counts 25).
    SHIFT_TOO_LONG = "shift_too_long"
    # The agent already has a shift at that time.
    SHIFTS_OVERLAP = "shifts_overlap"
    # The agent is on leave that day.
    ON_LEAVE = "agent_on_leave"
    # A shift template without a name, with equal start and end, or with a bad break.
    INVALID_TEMPLATE = "invalid_template"
    # Leave whose last day comes before its first, or of an unknown kind.
    INVALID_LEAVE = "invalid_leave"
    # A roster entry without a team, with an unknown zone or country.
    INVALID_PROFILE = "invalid_profile"
    # A batch deadline that has passed, without a name, with a batch of another engagement,
    # or with shrinkage, occupancy or handle time out of range.
    INVALID_DEADLINE = "invalid_deadline"
    # A batch deadline of that name already exists with other settings.
    DEADLINE_EXISTS = "deadline_exists"
    # Fewer than three weeks of arrivals to forecast from.
    TOO_LITTLE_HISTORY = "forecast_history_short"
    # A staffing what-if out of range (volume, handle time, people on leave).
    INVALID_WHAT_IF = "invalid_what_if"
