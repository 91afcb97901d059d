"""Every state change of the delivery app (keyword-only, one transaction, audited)."""

from backoffice.delivery.services.batch import deliver_due, wake
from backoffice.delivery.services.endpoints import (
    DEFAULT_GRACE_HOURS,
    MAX_GRACE_HOURS,
    create_endpoint,
    rotate_secret,
    signing_secrets,
    update_endpoint,
)
from backoffice.delivery.services.exports import ExportFile, create_export, stream_export
from backoffice.delivery.services.fanout import record_batch_completed, record_item_completed
from backoffice.delivery.services.sending import (
    attempt_delivery,
    max_attempts,
    redeliver,
    retry_delay,
)

__all__ = [
    "DEFAULT_GRACE_HOURS",
    "MAX_GRACE_HOURS",
    "ExportFile",
    "attempt_delivery",
    "create_endpoint",
    "create_export",
    "deliver_due",
    "max_attempts",
    "record_batch_completed",
    "record_item_completed",
    "redeliver",
    "retry_delay",
    "rotate_secret",
    "signing_secrets",
    "stream_export",
    "update_endpoint",
    "wake",
]
