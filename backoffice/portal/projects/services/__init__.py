"""Changes to project requests and quotes. Each public function is one transaction with its
audit event (in the provider's chain, the actor the person acting).

By topic: requests (the client's), quotes (the provider's), acceptance (the client's
decision, which opens the engagement and its contract), rates (standard rates)."""

from backoffice.portal.projects.services._common import LineIn, TierIn
from backoffice.portal.projects.services.acceptance import Outcome, accept_quote, decline_quote
from backoffice.portal.projects.services.quotes import (
    QuoteIn,
    quote_in_of,
    save_quote,
    send_quote,
    starting_quote,
)
from backoffice.portal.projects.services.rates import set_standard_rate
from backoffice.portal.projects.services.requests import (
    RequestIn,
    create_request,
    submit_request,
    withdraw_request,
)
from backoffice.portal.projects.services.samples import add_sample, check_sample

__all__ = [
    "LineIn",
    "Outcome",
    "QuoteIn",
    "RequestIn",
    "TierIn",
    "accept_quote",
    "add_sample",
    "check_sample",
    "create_request",
    "decline_quote",
    "quote_in_of",
    "save_quote",
    "send_quote",
    "set_standard_rate",
    "starting_quote",
    "submit_request",
    "withdraw_request",
]
