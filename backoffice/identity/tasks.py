"""Background jobs of identity: closing the access reviews whose deadline passed."""

from typing import Any

from django.tasks import task

from backoffice.identity.services.reviews import close_due_reviews


@task()
def close_access_reviews(**_: Any) -> dict[str, int]:
    """Every open access review past its deadline: undecided access removed, review closed."""
    return {"closed": close_due_reviews()}
