"""The demo's workforce data."""

from backoffice.tenancy.demo import DemoContext


def seed(ctx: DemoContext) -> None:
    """Nothing yet."""
