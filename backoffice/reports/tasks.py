"""Background jobs of the reports app (run every few minutes from the scheduler)."""

from typing import Any

from django.tasks import task

from backoffice.reports import rollup

# Events newer than this are left for the next run: a transaction still open may yet
# commit an event with a lower id (see `rollup`).
SETTLE_SECONDS = 120


@task()
def roll_up_reports(**_: Any) -> dict[str, Any]:
    """Add the work log written since the last run into the report roll-ups."""
    result = rollup.roll_up(settle_seconds=SETTLE_SECONDS)
    return {"events": result.events, "reviews": result.reviews, "chunks": result.chunks}
