"""What notifications does when other apps speak: a message was posted, a mail came in."""

from __future__ import annotations

from typing import Any

import structlog

from backoffice.notifications import services

log = structlog.get_logger("backoffice.notifications")


def on_message_posted(sender: Any, *, message: Any, recipients: Any = (), **_: Any) -> None:
    """`conversations.hooks.message_posted` (sent after the posting commit). The message is
    posted whatever happens here: a failure is logged, never handed back to the poster."""
    try:
        services.notify_posted(message=message, recipients=list(recipients))
    except Exception as exc:  # the post committed; mail trouble must not turn it into a 500
        log.exception("notifications.notify_failed", source=str(message.pk), error=repr(exc))


def on_inbound(sender: Any, *, event: Any, esp_name: str = "", **_: Any) -> None:
    """`anymail.signals.inbound`: the webhook's message goes through the same door."""
    message = event.message
    outcome = services.receive_email(
        message.as_bytes(), envelope_recipient=message.envelope_recipient or ""
    )
    log.info("notifications.webhook_mail", esp=esp_name, status=outcome.status)
