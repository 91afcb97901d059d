"""Access reviews, one scenario worked by hand, then the refusals and tenant isolation.

Client A is reached by three provider staff through memberships: sam (agent), tess (team
lead), uma (agent); vic (agent) serves client B only. The provider admin starts a review of
client A with a deadline 7 days out: 3 lines (sam, tess, uma; not vic, not alice who is
client A's own admin). Alice certifies sam and revokes tess (tess loses client A at once).
At the deadline the periodic close removes uma (not decided) and closes the review:
certified 1, revoked 1, expired 1. sam keeps client A; everyone keeps the provider."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backoffice.audit.models import AuditEvent
from backoffice.core.errors import Conflict, DomainError, Forbidden, NotFound
from backoffice.identity.models import AccessReview, AccessReviewLine
from backoffice.identity.services import reviews
from backoffice.identity.tasks import close_access_reviews
from backoffice.tenancy.models import Membership
from backoffice.tenancy.roles import Role
from backoffice.tenancy.selectors import TenantAccess
from backoffice.tenancy.tests.factories import UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(provider, client_a, client_b):
    people = {}
    for name, role, clients in (
        ("sam", Role.AGENT, [client_a]),
        ("tess", Role.TEAM_LEAD, [client_a]),
        ("uma", Role.AGENT, [client_a]),
        ("vic", Role.AGENT, [client_b]),
    ):
        user = UserFactory.create(username=name)
        make_member(provider, user, role)
        for client in clients:
            make_member(client, user, role)
        people[name] = user
    return people


def _padmin(provider_admin, tenant) -> TenantAccess:
    return TenantAccess(user=provider_admin, tenant=tenant, role=Role.PROVIDER_ADMIN)


def _admin(user, tenant) -> TenantAccess:
    return TenantAccess(user=user, tenant=tenant, role=Role.CLIENT_ADMIN)


def _active(user, org) -> bool:
    return Membership.objects.get(user=user, organization=org).is_active


def _line(review, user) -> AccessReviewLine:
    return AccessReviewLine.objects.for_tenant(review.tenant_id).get(review=review, user=user)


def test_the_scenario_by_hand(staff, provider, provider_admin, client_a, user_a):
    deadline = timezone.now() + timedelta(days=7)
    review = reviews.start_review(access=_padmin(provider_admin, client_a), deadline=deadline)
    lines = AccessReviewLine.objects.for_tenant(client_a).filter(review=review)
    assert sorted(lines.values_list("user__username", flat=True)) == ["sam", "tess", "uma"]

    admin = _admin(user_a, client_a)
    reviews.decide(
        access=admin, review_id=review.pk, line_id=_line(review, staff["sam"]).pk,
        decision="certified",
    )  # fmt: skip
    reviews.decide(
        access=admin, review_id=review.pk, line_id=_line(review, staff["tess"]).pk,
        decision="revoked",
    )  # fmt: skip
    assert not _active(staff["tess"], client_a) and _active(staff["uma"], client_a)

    assert reviews.close_due_reviews(now=deadline - timedelta(minutes=1)) == 0
    assert reviews.close_due_reviews(now=deadline + timedelta(minutes=1)) == 1
    review.refresh_from_db()
    assert review.status == "closed" and review.closed_at is not None
    decided = dict(lines.values_list("user__username", "decision"))
    assert decided == {"sam": "certified", "tess": "revoked", "uma": "expired"}
    assert _active(staff["sam"], client_a)
    assert not _active(staff["uma"], client_a)
    assert all(_active(u, provider) for u in staff.values())
    assert _active(
        staff["vic"], staff["vic"].memberships.exclude(organization=provider).get().organization
    )

    actions = list(AuditEvent.objects.for_tenant(client_a).values_list("action", flat=True))
    for action, times in (
        ("identity.access_review_started", 1),
        ("identity.access_certified", 1),
        ("identity.access_revoked", 1),
        ("identity.access_expired", 1),
        ("identity.access_review_closed", 1),
        ("membership.revoked", 2),
    ):
        assert actions.count(action) == times, action
    closed = AuditEvent.objects.for_tenant(client_a).get(action="identity.access_review_closed")
    assert closed.after == {"certified": 1, "revoked": 1, "expired": 1}
    # Nothing more to close: the periodic task is idempotent.
    assert close_access_reviews.call() == {"closed": 0}


def test_refusals(staff, provider_admin, client_a, user_a):
    padmin = _padmin(provider_admin, client_a)
    with pytest.raises(DomainError) as bad:
        reviews.start_review(access=padmin, deadline=timezone.now() + timedelta(minutes=5))
    assert "Choose a deadline between tomorrow and 90 days from now" in bad.value.message
    review = reviews.start_review(access=padmin, deadline=timezone.now() + timedelta(days=3))
    with pytest.raises(Conflict):
        reviews.start_review(access=padmin, deadline=timezone.now() + timedelta(days=3))
    assert AccessReview.objects.for_tenant(client_a).count() == 1
    line = _line(review, staff["sam"])
    # The provider's own admin may not certify its staff; the client admin may not start one.
    with pytest.raises(Forbidden):
        reviews.decide(access=padmin, review_id=review.pk, line_id=line.pk, decision="certified")
    with pytest.raises(Forbidden):
        reviews.start_review(
            access=_admin(user_a, client_a), deadline=timezone.now() + timedelta(days=3)
        )
    admin = _admin(user_a, client_a)
    with pytest.raises(DomainError) as wrong:
        reviews.decide(access=admin, review_id=review.pk, line_id=line.pk, decision="maybe")
    assert wrong.value.message == "Choose Certify or Revoke."
    reviews.decide(access=admin, review_id=review.pk, line_id=line.pk, decision="certified")
    with pytest.raises(Conflict):
        reviews.decide(access=admin, review_id=review.pk, line_id=line.pk, decision="revoked")
    reviews.close_review(
        tenant_id=client_a.pk, review_id=review.pk, now=timezone.now() + timedelta(days=4)
    )
    other = _line(review, staff["tess"])
    with pytest.raises(Conflict):
        reviews.decide(access=admin, review_id=review.pk, line_id=other.pk, decision="certified")


def test_another_clients_admin_sees_none_of_it(staff, provider_admin, client_a, client_b, user_b):
    review = reviews.start_review(
        access=_padmin(provider_admin, client_a), deadline=timezone.now() + timedelta(days=3)
    )
    line = _line(review, staff["sam"])
    with pytest.raises(NotFound):
        reviews.decide(
            access=_admin(user_b, client_b), review_id=review.pk, line_id=line.pk,
            decision="revoked",
        )  # fmt: skip
    assert _active(staff["sam"], client_a)
    c = Client()
    c.force_login(user_b)
    assert c.get(f"/t/client-b/identity/access-reviews/{review.pk}/").status_code == 404
    assert c.get(f"/t/client-a/identity/access-reviews/{review.pk}/").status_code == 404
    page = c.get("/t/client-b/identity/access-reviews/")
    assert page.status_code == 200 and "No access review yet" in page.content.decode()


def test_pages_start_and_decide(staff, provider_admin, client_a, user_a):
    boss = Client()
    boss.force_login(provider_admin)
    answer = boss.post("/t/client-a/identity/access-reviews/", {"deadline": "someday"})
    assert answer.status_code == 400
    assert "Enter the deadline as a date, such as 2026-12-31." in answer.content.decode()
    day = (timezone.now() + timedelta(days=10)).date().isoformat()
    answer = boss.post("/t/client-a/identity/access-reviews/", {"deadline": day})
    assert answer.status_code == 302
    review = AccessReview.objects.for_tenant(client_a).get()

    c = Client()
    c.force_login(user_a)
    session = c.session
    session["identity_auth_at"] = time.time()
    session.save()
    url = f"/t/client-a/identity/access-reviews/{review.pk}/"
    page = c.get(url).content.decode()
    assert "Certify" in page and ">tess</span>" in page and ">vic</span>" not in page
    line = _line(review, staff["tess"])
    assert c.post(url, {"line": line.pk, "decision": "revoked"}).status_code == 302
    assert not _active(staff["tess"], client_a)
    answer = c.post(url, {"line": line.pk, "decision": "certified"})
    assert answer.status_code == 409 and "already decided" in answer.content.decode()
    # The provider admin sees the review but has no buttons.
    assert "Certify" not in boss.get(url).content.decode()


def test_api_start_read_decide_and_isolation(staff, provider_admin, client_a, api_a, api_b):
    from backoffice.tenancy.tests.factories import make_token

    boss = Client(headers={"Authorization": f"Bearer {make_token(provider_admin, client_a)}"})
    deadline = (timezone.now() + timedelta(days=5)).isoformat()
    headers = {"Idempotency-Key": "review-1"}
    first = boss.post(
        "/api/v1/identity/access-reviews",
        {"deadline": deadline},
        content_type="application/json",
        headers=headers,
    )
    assert first.status_code == 201, first.content
    again = boss.post(
        "/api/v1/identity/access-reviews",
        {"deadline": deadline},
        content_type="application/json",
        headers=headers,
    )
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert AccessReview.objects.for_tenant(client_a).count() == 1
    body = first.json()
    assert [x["username"] for x in body["lines"]] == ["sam", "tess", "uma"]
    tess = next(x for x in body["lines"] if x["username"] == "tess")

    url = f"/api/v1/identity/access-reviews/{body['id']}"
    assert api_b.get(url).status_code == 404
    assert api_b.post(
        f"{url}/lines/{tess['id']}/decision", {"decision": "revoked"},
        content_type="application/json",
    ).status_code == 404  # fmt: skip
    bad = api_a.post(
        f"{url}/lines/{tess['id']}/decision", {"decision": "nope"}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_decision"
    ok = api_a.post(
        f"{url}/lines/{tess['id']}/decision", {"decision": "revoked"},
        content_type="application/json",
    )  # fmt: skip
    assert ok.status_code == 200 and ok.json()["decision"] == "revoked"
    assert not _active(staff["tess"], client_a)
    listed = api_a.get("/api/v1/identity/access-reviews").json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]
    assert api_b.get("/api/v1/identity/access-reviews").json()["items"] == []
