"""State changes of the work engine: keyword-only functions, one transaction each, audited
in that transaction. One module per topic; the names below are the package's public face,
so callers write `services.claim_next_item(...)` wherever the function lives.

| module | holds |
| --- | --- |
| `engagements` | the provider's catalogue and queues, a client's calendars, engagements, teams |
| `submit` | intake of one item or many, with the per-row report |
| `items` | direct transitions, assignment, skip, idle release, completion, review |
| `claim` | claim-next and which clients an agent may claim from |
| `conversation` | comments, questions to the client and their answers |
| `attachments` | files on an item |
| `sla_sweep` | the SLA sweep's flags and alerts |
| `setup_changes` | edits made on the set-up pages; queues checked before they are made |

Every move of an item's state goes through `transitions.move_item`.
"""

from backoffice.work.services.attachments import (
    ATTACHMENT_TYPES,
    MAX_ATTACHMENT_BYTES,
    add_attachment,
)
from backoffice.work.services.claim import (
    CLAIM_LANES,
    claim_lane,
    claim_next_for,
    claim_next_item,
    claimable_tenant_ids,
    eligible_engagement_ids,
    served_tenant_ids,
)
from backoffice.work.services.conversation import (
    add_comment,
    answer_question,
    ask_client,
    resume_item,
)
from backoffice.work.services.engagements import (
    CalendarTerms,
    EngagementTerms,
    add_team_member,
    create_calendar,
    create_engagement,
    create_queue,
    create_service_type,
    open_engagement,
    require_client_tenant,
)
from backoffice.work.services.items import (
    assign_item,
    assignee_named,
    complete_item,
    release_idle_items,
    release_item,
    review_item,
    transition_item,
)
from backoffice.work.services.setup_changes import (
    check_engagement_settings,
    check_service_type_settings,
    define_queue,
    update_calendar,
    update_engagement,
    update_queue,
    update_service_type,
)
from backoffice.work.services.sla_sweep import SlaSweep, refresh_sla_flags
from backoffice.work.services.submit import (
    REPORT_CAP,
    IntakeResult,
    ItemInput,
    RowError,
    priority_for,
    submit_item,
    submit_items,
)

__all__ = [
    "ATTACHMENT_TYPES",
    "CLAIM_LANES",
    "MAX_ATTACHMENT_BYTES",
    "REPORT_CAP",
    "CalendarTerms",
    "EngagementTerms",
    "IntakeResult",
    "ItemInput",
    "RowError",
    "SlaSweep",
    "add_attachment",
    "add_comment",
    "add_team_member",
    "answer_question",
    "ask_client",
    "assign_item",
    "assignee_named",
    "check_engagement_settings",
    "check_service_type_settings",
    "claim_lane",
    "claim_next_for",
    "claim_next_item",
    "claimable_tenant_ids",
    "complete_item",
    "create_calendar",
    "create_engagement",
    "create_queue",
    "create_service_type",
    "define_queue",
    "eligible_engagement_ids",
    "open_engagement",
    "priority_for",
    "refresh_sla_flags",
    "release_idle_items",
    "release_item",
    "require_client_tenant",
    "resume_item",
    "review_item",
    "served_tenant_ids",
    "submit_item",
    "submit_items",
    "transition_item",
    "update_calendar",
    "update_engagement",
    "update_queue",
    "update_service_type",
]
