"""The delivery app's answers to the work engine's signals (connected in `apps.py`)."""

from typing import Any

from backoffice.delivery import services


def on_item_completed(*, tenant_id: int, item_id: int, **_: Any) -> None:
    services.record_item_completed(tenant_id=tenant_id, item_id=item_id)


def on_batch_completed(*, tenant_id: int, batch_id: int, **_: Any) -> None:
    services.record_batch_completed(tenant_id=tenant_id, batch_id=batch_id)
