"""The bulk intake write path stores text exactly, whatever the COPY format must escape."""

import pytest

from backoffice.work import services
from backoffice.work.models import WorkItem, WorkItemEvent
from backoffice.work.services import ItemInput

pytestmark = pytest.mark.django_db


def test_bulk_intake_keeps_tabs_newlines_backslashes_and_quotes(engagement_a):
    # given: text in the reference, the data and the routing fields that COPY must escape
    name = 'tab\there\nline "quoted" back\\slash \\N not null\r'
    rows = [
        ItemInput("REF\\1\t", {"name": name, "amount": 2}, None, "sk\\ill", "e\tn"),
        ItemInput("REF-2", {"name": "plain", "amount": 3}),
    ]
    # when
    result = services.submit_items(engagement=engagement_a, actor=None, rows=rows)
    # then
    assert result.created == 2
    item = WorkItem.objects.for_tenant(engagement_a.tenant_id).get(external_ref="REF\\1\t")
    assert item.data == {"name": name, "amount": 2}
    assert (item.skill, item.language) == ("sk\\ill", "e\tn")
    assert WorkItemEvent.objects.for_tenant(engagement_a.tenant_id).filter(item=item).count() == 1
