"""The demo's vault data: none of its own.

Each organization's data key is made by its first intake of confidential data; in the demo
that is the insurance-claim engagement (`work.catalog`'s `claim-intake` marks the claimant
and the policy number as personal data and the bank account as payment data), so the demo
intake seals them under the development master key.
"""

from backoffice.tenancy.demo import DemoContext


def seed(ctx: DemoContext) -> None:
    """Nothing to make: keys come with the first confidential value."""
