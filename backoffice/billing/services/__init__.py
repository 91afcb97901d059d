"""Changes to billing records. Each public function is one transaction with its audit event
(a billing run is one transaction per contract, so it can stop and resume).

By topic: contracts (contracts, rate-card versions), runs (billing runs), drafting (a
contract's month priced into a draft), review (adjust, approve, issue, retainer, credits).
"""

from backoffice.billing.services.contracts import (
    ChargeIn,
    ServiceLevelIn,
    TierIn,
    add_version,
    create_contract,
    end_version,
    keeps_books,
)
from backoffice.billing.services.review import (
    adjust_invoice,
    approve_invoice,
    credit_invoice,
    issue_invoice,
    receive_retainer,
    retainer_balance,
)
from backoffice.billing.services.runs import (
    billing_tenant_ids,
    continue_run,
    parse_period,
    run_billing,
    start_run,
)

__all__ = [
    "ChargeIn",
    "ServiceLevelIn",
    "TierIn",
    "add_version",
    "adjust_invoice",
    "approve_invoice",
    "billing_tenant_ids",
    "continue_run",
    "create_contract",
    "credit_invoice",
    "end_version",
    "issue_invoice",
    "keeps_books",
    "parse_period",
    "receive_retainer",
    "retainer_balance",
    "run_billing",
    "start_run",
]
