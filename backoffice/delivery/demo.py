"""The demo's delivery data."""

from backoffice.tenancy.demo import DemoContext


def seed(ctx: DemoContext) -> None:
    """Nothing yet."""
