"""The portal's audit events live in its sub-packages; importing them here registers their
descriptions when the audit pages discover each app's `events` module."""

from backoffice.portal.dashboard import events as dashboard_events
from backoffice.portal.projects import events as projects_events

__all__ = ["dashboard_events", "projects_events"]
