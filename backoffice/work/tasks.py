"""Background jobs of the work engine (run them every few minutes from the scheduler)."""

from typing import Any

from django.tasks import task

from backoffice.work import services


@task()
def sweep_sla(**_: Any) -> dict[str, Any]:
    """Mark at-risk and breached items, notify the team leads, release idle items."""
    sweep = services.refresh_sla_flags()
    released = services.release_idle_items()
    return {
        "at_risk": sweep.at_risk,
        "breached": sweep.breached,
        "notified": sorted(set(sweep.notified)),
        "released": released,
    }
