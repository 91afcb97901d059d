"""Work pages: the agent's next item, the lead's backlog, the client's intake and status.

Views are thin: resolve objects through the scoped selectors (another tenant's id is a
404), call a service, redirect. Domain errors come back to the page as messages.
"""

from backoffice.work.views.items import (
    attachment,
    index,
    item_action,
    item_detail,
    item_list,
    next_item,
)
from backoffice.work.views.qa import adjudicate, qa_queue, qa_review
from backoffice.work.views.reports import accuracy, backlog, handle_time
from backoffice.work.views.submit import submit

__all__ = [
    "accuracy",
    "adjudicate",
    "attachment",
    "backlog",
    "handle_time",
    "index",
    "item_action",
    "item_detail",
    "item_list",
    "next_item",
    "qa_queue",
    "qa_review",
    "submit",
]
