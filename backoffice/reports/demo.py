"""The demo's reports data: the roll-ups built over the demo's work history."""

from backoffice.reports import rollup
from backoffice.tenancy.demo import DemoContext


def seed(ctx: DemoContext) -> None:
    rollup.roll_up(rebuild=True)
