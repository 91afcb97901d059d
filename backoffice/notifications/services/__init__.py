"""Every state change of notifications (the package re-exports its public names)."""

from backoffice.notifications.services.inbound import Outcome, receive_email
from backoffice.notifications.services.outbound import (
    Planned,
    deliver,
    notify_posted,
    retry_failed,
    send_digests,
    send_due_digests,
)
from backoffice.notifications.services.preferences import set_preferences

__all__ = [
    "Outcome",
    "Planned",
    "deliver",
    "notify_posted",
    "receive_email",
    "retry_failed",
    "send_digests",
    "send_due_digests",
    "set_preferences",
]
