"""Background jobs of workforce (run them every few minutes from the scheduler)."""

from typing import Any

from django.tasks import task

from backoffice.workforce.planning import services


@task()
def sweep_deadlines(**_: Any) -> dict[str, Any]:
    """Raise the alert on batch deadlines whose projection passes the deadline."""
    return services.sweep_deadlines()
