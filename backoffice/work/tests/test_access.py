"""Who may do what (work/access.py): one rule per action, the same for pages and API, and
one answer — 404 — for an object that is missing and one of another tenant."""

from __future__ import annotations

import json

import pytest

from backoffice.core.errors import Forbidden, NotFound
from backoffice.tenancy.models import Organization
from backoffice.tenancy.roles import Perm, Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.tenancy.tests.factories import UserFactory, make_member, make_token
from backoffice.work import access as rules
from backoffice.work import services
from backoffice.work.models import State
from backoffice.work.tests.factories import submit

pytestmark = pytest.mark.django_db


def as_(role: str, tenant: Organization) -> TenantAccess:
    user = UserFactory.create()
    make_member(tenant, user, role)
    return TenantAccess(user=user, tenant=tenant, role=role)


# --- the role rules ------------------------------------------------------------------------------

# role → (comment, attach, cancel, reassign, read QA findings)
EXPECTED = {
    Role.AGENT: (True, True, False, False, True),
    Role.TEAM_LEAD: (True, True, True, True, True),
    Role.QA_REVIEWER: (False, False, False, False, True),
    Role.CLIENT_ADMIN: (True, True, True, False, False),
    Role.AUDITOR: (False, False, False, False, False),
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_rule_names_the_roles_it_allows(role, client_a):
    access = as_(role, client_a)
    found = tuple(
        r.allows(access)
        for r in (rules.COMMENT, rules.ATTACH, rules.CANCEL, rules.REASSIGN, rules.READ_QA)
    )
    assert found == EXPECTED[role]


def test_a_refusal_is_403_with_the_rules_message_or_the_roles_generic_one(client_a):
    auditor = as_(Role.AUDITOR, client_a)
    with pytest.raises(Forbidden, match="may not comment on items"):
        rules.COMMENT.require(auditor)
    with pytest.raises(Forbidden, match=r"\(auditor\) may not do this \(work.route\)"):
        rules.CANCEL.require(auditor)


def test_who_moves_an_item_to_a_state():
    assert rules.transition_rule(State.CANCELLED) is rules.CANCEL
    assert rules.transition_rule(State.DONE) is rules.transition_rule(State.REWORK)
    assert rules.transition_rule(State.DONE).perms == (Perm.REVIEW_WORK,)
    assert rules.transition_rule(State.IN_PROGRESS).perms == (Perm.PROCESS_WORK,)


# --- fetch and authorise: foreign looks like missing ---------------------------------------------


def test_another_clients_objects_are_not_found_like_missing_ones(
    client_a, engagement_a, engagement_b, service_type
):
    access = as_(Role.CLIENT_ADMIN, client_a)
    theirs = submit(engagement_b, "B-1")
    for fetch, foreign, missing in (
        (rules.access_item_by_id, theirs.pk, 10**9),
        (rules.access_engagement_by_id, engagement_b.pk, 10**9),
        (rules.access_double_key_by_item_id, theirs.pk, 10**9),
    ):
        with pytest.raises(NotFound) as a:
            fetch(access, foreign)
        with pytest.raises(NotFound) as b:
            fetch(access, missing)
        assert a.value.message == b.value.message
    with pytest.raises(NotFound, match=r"No such item\."):
        rules.access_item_by_id(access, "not-a-number")
    mine = rules.access_engagement_by_id(access, engagement_a.pk, to_submit=True)
    assert mine == engagement_a
    assert rules.access_service_type_by_id(access, service_type.pk) == service_type


def test_provider_staff_see_an_engagement_but_only_its_client_submits_to_it(
    provider, client_a, engagement_a, lead
):
    access = TenantAccess(user=lead, tenant=provider, role=Role.TEAM_LEAD)
    assert rules.access_engagement_by_id(access, engagement_a.pk) == engagement_a
    with pytest.raises(NotFound, match=r"No such engagement\."):
        rules.access_engagement_by_id(access, engagement_a.pk, to_submit=True)


def test_a_perm_is_checked_before_anything_is_read(client_a, engagement_a):
    auditor = as_(Role.AUDITOR, client_a)
    with pytest.raises(Forbidden):
        rules.access_item_by_id(auditor, 10**9, perm=rules.COMMENT)


def test_queues_comments_and_files_outside_the_caller_are_not_found(
    client_a, engagement_a, user_a, provider
):
    access = as_(Role.CLIENT_ADMIN, client_a)
    queue = services.create_queue(provider=provider, actor=None, code="q", name="Q")
    with pytest.raises(NotFound, match=r"No such queue\."):
        rules.access_queue_by_id(access, queue.pk)  # a client has no queues
    item = submit(engagement_a, "A-1")
    with pytest.raises(NotFound, match=r"No such comment\."):
        rules.access_comment_by_id(access, item, 10**9)
    with pytest.raises(NotFound, match=r"No such attachment\."):
        rules.access_attachment_by_id(access, item, 10**9)
    with pytest.raises(NotFound, match=r"This item has no double key\."):
        rules.access_double_key_by_item_id(access, item.pk)


# --- the page and the API apply the same rule ----------------------------------------------------


def test_page_and_api_refuse_a_comment_from_the_same_role(client_a, engagement_a):
    from django.test import Client

    auditor = UserFactory.create(username="aud")
    make_member(client_a, auditor, Role.AUDITOR)
    item = submit(engagement_a, "A-2")
    api = Client(headers={"Authorization": f"Bearer {make_token(auditor, client_a)}"})
    r = api.post(
        f"/api/v1/work/items/{item.pk}/comments",
        data=json.dumps({"body": "hi"}),
        content_type="application/json",
    )
    assert r.status_code == 403
    assert r.json()["error"]["message"] == rules.COMMENT.message
    web = Client()
    web.force_login(auditor)
    page = web.post(
        f"/t/client-a/work/items/{item.pk}/act/", {"_action": "comment", "body": "hi"}, follow=True
    )
    assert str(rules.COMMENT.message) in page.content.decode()
    assert not item.comments.exists()
