"""The demo's privacy data (filled in by the app's slice)."""

from backoffice.tenancy.demo import DemoContext


def seed(ctx: DemoContext) -> None:
    return None
