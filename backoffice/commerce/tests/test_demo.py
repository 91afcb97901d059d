from __future__ import annotations

import pytest

from backoffice.commerce import demo, reports, selectors
from backoffice.commerce.models import Document
from backoffice.tenancy.demo import DemoContext


@pytest.mark.django_db
def test_demo_seeds_posted_documents_and_stock(books, provider):
    # when
    demo.seed(DemoContext(provider=provider, clients=[books]))
    # then: documents are issued and posted, stock is left, something is still open
    assert Document.objects.for_tenant(books).filter(status="issued").count() >= 12
    assert all(r.quantity > 0 for r in selectors.stock_on_hand(books))
    assert reports.open_items_total(books, side="receivable") > 0
