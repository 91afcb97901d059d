"""Commerce pages: parties, products, stock, documents (with line editing and live totals),
payments and reports with CSV export.

Thin adapters: a record is fetched for the caller through `selectors.access_<thing>_by_id`
(another tenant's id is a 404), changes go through the services, domain errors come back
to the page as messages. One module per area; `urls.py` names the views from here.
"""

from backoffice.commerce.views.actions import document_action, payment_refund
from backoffice.commerce.views.catalog import (
    index,
    parties,
    party,
    products,
    settings_page,
    stock,
)
from backoffice.commerce.views.documents import document, document_file, document_new, documents
from backoffice.commerce.views.payments import payment, payment_pdf, payments
from backoffice.commerce.views.reports import report

__all__ = [
    "document",
    "document_action",
    "document_file",
    "document_new",
    "documents",
    "index",
    "parties",
    "party",
    "payment",
    "payment_pdf",
    "payment_refund",
    "payments",
    "products",
    "report",
    "settings_page",
    "stock",
]
