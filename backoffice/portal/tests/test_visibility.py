"""Who sees what on the client side: a client admin limits a client user to one engagement,
and every work page, endpoint and export then answers 404 for the other engagement's items.

Given Client A with engagements "Invoices" (eng-inv) and "Claims" (eng-clm), an item in
each, and Client B with one engagement and item; Client A's admin limits ann to Invoices.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from backoffice.audit.models import AuditEvent
from backoffice.core.errors import DomainError, NotFound
from backoffice.portal.dashboard import grants
from backoffice.tenancy.models import Membership
from backoffice.tenancy.roles import Perm, Role
from backoffice.tenancy.selectors import access_tenant
from backoffice.tenancy.tests.factories import UserFactory, make_member, make_token
from backoffice.work import access as work_access
from backoffice.work import selectors
from backoffice.work.models import EngagementGrant
from backoffice.work.tests.factories import make_engagement, make_service_type, submit


@pytest.fixture
def world(provider, client_a, client_b, user_a):
    st = make_service_type(provider)
    inv = make_engagement(client_a, st, code="eng-inv", name="Invoices")
    clm = make_engagement(client_a, st, code="eng-clm", name="Claims")
    other = make_engagement(client_b, st, code="eng-b", name="B work")
    ann = UserFactory.create(username="ann")
    make_member(client_a, ann, Role.CLIENT_USER)
    items = {
        "inv": submit(inv, "INV-SEEN-1"),
        "clm": submit(clm, "CLM-HIDDEN-1"),
        "b": submit(other, "B-FOREIGN-1"),
    }
    return {"inv": inv, "clm": clm, "other": other, "ann": ann, "items": items}


def _limit_ann(world, client_a, user_a, **flags):
    admin = access_tenant(user=user_a, slug=client_a.slug)
    return grants.set_member_grants(
        access=admin,
        username="ann",
        all_engagements=False,
        engagement_ids=[world["inv"].pk],
        **flags,
    )


def _ann_access(client_a, world):
    return access_tenant(user=world["ann"], slug=client_a.slug)


def test_by_default_a_client_user_sees_every_engagement_of_the_client(world, client_a):
    # given the defaults (nothing narrowed)
    ann = _ann_access(client_a, world)
    # then ann sees both of Client A's engagements and items, none of Client B's
    assert {e.code for e in selectors.engagements(ann)} == {"eng-inv", "eng-clm"}
    assert {i.external_ref for i in selectors.items(ann)} == {"INV-SEEN-1", "CLM-HIDDEN-1"}
    assert selectors.engagement_limit(ann) is None


def test_limited_user_sees_only_the_named_engagement_in_every_selector(world, client_a, user_a):
    # when the client admin limits ann to Invoices
    _limit_ann(world, client_a, user_a)
    ann = _ann_access(client_a, world)
    # then the selectors pages and API share read Invoices only
    assert [e.code for e in selectors.engagements(ann)] == ["eng-inv"]
    assert selectors.visible_engagement_ids(ann) == [world["inv"].pk]
    assert [i.external_ref for i in selectors.items(ann)] == ["INV-SEEN-1"]
    assert [r["engagement"].code for r in selectors.backlog(ann)] == ["eng-inv"]
    assert selectors.waiting_count(ann) == 1
    # and fetching the other engagement or its item is the same 404 as a foreign id
    with pytest.raises(NotFound):
        work_access.access_item_by_id(ann, world["items"]["clm"].pk)
    with pytest.raises(NotFound):
        work_access.access_engagement_by_id(ann, world["clm"].pk, to_submit=True)
    assert work_access.access_item_by_id(ann, world["items"]["inv"].pk).external_ref == (
        "INV-SEEN-1"
    )
    # while the client admin still sees both
    admin = access_tenant(user=user_a, slug=client_a.slug)
    assert {i.external_ref for i in selectors.items(admin)} == {"INV-SEEN-1", "CLM-HIDDEN-1"}


def _work_page_urls(client_slug: str, item_id: int, engagement_id: int) -> list[str]:
    """Every work page URL that names an item or an engagement, filled with these ids."""
    urls = []
    resolver = get_resolver()

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if not route.startswith("t/<slug:tenant>/work/"):
                    continue
                if "<int:item_id>" not in route and "<int:engagement_id>" not in route:
                    continue
                url = route.replace("<slug:tenant>", client_slug)
                url = url.replace("<int:item_id>", str(item_id))
                url = url.replace("<int:engagement_id>", str(engagement_id))
                url = re.sub(r"<int:\w+>", "1", url)
                urls.append("/" + url)

    walk(resolver.url_patterns)
    return urls


def test_walk_every_work_page_as_the_limited_user(world, client_a, user_a):
    # given ann limited to Invoices
    _limit_ann(world, client_a, user_a)
    web = Client()
    web.force_login(world["ann"])
    hidden = world["items"]["clm"]
    urls = _work_page_urls(client_a.slug, hidden.pk, world["clm"].pk)
    assert len(urls) >= 5, urls
    # then every page about the hidden item or engagement is 404 (or refused), by GET and POST
    for url in urls:
        for method in (web.get, web.post):
            res = method(url)
            assert res.status_code in (403, 404, 405), (url, res.status_code)
            assert b"CLM-HIDDEN-1" not in res.content
    # and the lists and the item list's export never name it
    for name in ("work:items", "work:index", "web:dashboard"):
        res = web.get(reverse(name, kwargs={"tenant": client_a.slug}))
        assert res.status_code == 200, name
        assert b"CLM-HIDDEN-1" not in res.content and b"Claims" not in res.content, name
    listed = web.get(reverse("work:items", kwargs={"tenant": client_a.slug}))
    assert b"INV-SEEN-1" in listed.content
    # the same ids shown to the client admin are found (the walk can fail)
    admin = Client()
    admin.force_login(user_a)
    shown = admin.get(reverse("work:item", kwargs={"tenant": client_a.slug, "item_id": hidden.pk}))
    assert shown.status_code == 200 and b"CLM-HIDDEN-1" in shown.content


def _api_paths() -> list[tuple[str, str]]:
    schema = Client().get("/api/v1/openapi.json").json()
    out = []
    for path, ops in schema["paths"].items():
        if not path.startswith("/api/v1/work/"):
            continue
        if "{item_id}" not in path and "{engagement_id}" not in path:
            continue
        for method in ops:
            out.append((method, path))
    return out


def test_walk_every_work_endpoint_as_the_limited_user(world, client_a, user_a):
    # given ann limited to Invoices, with an API token
    _limit_ann(world, client_a, user_a)
    api = Client(headers={"Authorization": f"Bearer {make_token(world['ann'], client_a)}"})
    hidden = world["items"]["clm"]
    paths = _api_paths()
    assert len(paths) >= 10, paths
    for method, path in paths:
        url = path.replace("{item_id}", str(hidden.pk)).replace(
            "{engagement_id}", str(world["clm"].pk)
        )
        url = re.sub(r"\{\w+\}", "1", url)
        res = getattr(api, method)(url, data={}, content_type="application/json")
        # then nothing about the hidden engagement comes back: 404, or a refusal before lookup
        assert res.status_code in (403, 404, 405, 422), (method, url, res.status_code)
        assert b"CLM-HIDDEN-1" not in res.content
    # and the lists hold Invoices only
    listed = api.get("/api/v1/work/items").json()
    assert [i["external_ref"] for i in listed["items"]] == ["INV-SEEN-1"]
    engagements = api.get("/api/v1/work/engagements").json()
    assert [e["code"] for e in engagements] == ["eng-inv"]
    assert api.get(f"/api/v1/work/items/{world['items']['inv'].pk}").status_code == 200


def test_flags_withhold_the_roles_permissions(world, client_a, user_a):
    # when ann may not submit
    _limit_ann(world, client_a, user_a, may_submit=False)
    ann = _ann_access(client_a, world)
    assert not ann.can(Perm.SUBMIT_WORK) and ann.can(Perm.VIEW_WORK)
    web = Client()
    web.force_login(world["ann"])
    url = reverse("work:submit", kwargs={"tenant": client_a.slug, "engagement_id": world["inv"].pk})
    assert web.get(url).status_code == 403
    api = Client(headers={"Authorization": f"Bearer {make_token(world['ann'], client_a)}"})
    res = api.post(
        f"/api/v1/work/engagements/{world['inv'].pk}/items",
        data={"external_ref": "NEW-1", "data": {"name": "x", "amount": 1}},
        content_type="application/json",
    )
    assert res.status_code == 403


def test_a_client_admin_can_be_kept_from_invoices(world, client_a, user_a):
    # given a second client admin, kept from invoices and quotes
    carl = UserFactory.create(username="carl")
    make_member(client_a, carl, Role.CLIENT_ADMIN)
    admin = access_tenant(user=user_a, slug=client_a.slug)
    grants.set_member_grants(
        access=admin,
        username="carl",
        all_engagements=True,
        may_accept_quotes=False,
        may_see_invoices=False,
    )
    carl_access = access_tenant(user=carl, slug=client_a.slug)
    # then carl keeps work but loses billing, commerce and quotes
    assert carl_access.can(Perm.VIEW_WORK) and carl_access.can(Perm.SUBMIT_WORK)
    assert not carl_access.can(Perm.VIEW_BILLING)
    assert not carl_access.can(Perm.VIEW_COMMERCE)
    assert not carl_access.can(Perm.ACCEPT_QUOTES)
    web = Client()
    web.force_login(carl)
    assert web.get(f"/t/{client_a.slug}/billing/").status_code in (403, 404)


def test_grants_are_audited_and_refuse_bad_input(world, client_a, user_a, client_b):
    admin = access_tenant(user=user_a, slug=client_a.slug)
    # nothing chosen
    with pytest.raises(DomainError) as no_choice:
        grants.set_member_grants(access=admin, username="ann", all_engagements=False)
    assert "at least one engagement" in no_choice.value.message
    # another client's engagement
    with pytest.raises(DomainError) as foreign:
        grants.set_member_grants(
            access=admin,
            username="ann",
            all_engagements=False,
            engagement_ids=[world["other"].pk],
        )
    assert "not this organisation's" in foreign.value.message
    # oneself
    with pytest.raises(DomainError):
        grants.set_member_grants(access=admin, username=user_a.username, all_engagements=True)
    # nothing written by the refusals
    assert not EngagementGrant.objects.for_tenant(client_a).exists()
    assert Membership.objects.get(user=world["ann"], organization=client_a).all_engagements
    # a change is one audit event in Client A's chain, with before and after
    _limit_ann(world, client_a, user_a)
    event = AuditEvent.objects.for_tenant(client_a).get(action="portal.member_grants_changed")
    assert event.before["engagements"] == "all"
    assert event.after["engagements"] == ["eng-inv"]
    # a client user (no members permission) may not change grants
    ann = _ann_access(client_a, world)
    with pytest.raises(DomainError):
        grants.set_member_grants(access=ann, username=user_a.username, all_engagements=True)


def test_the_members_page_edits_the_grants(world, client_a, user_a):
    web = Client()
    web.force_login(user_a)
    url = reverse("web:members", kwargs={"tenant": client_a.slug})
    page = web.get(url)
    assert page.status_code == 200 and b"Which engagements" in page.content
    res = web.post(
        url,
        {
            "action": "grants",
            "member": "ann",
            "scope": "named",
            "engagements": [str(world["inv"].pk)],
            "may_submit": "on",
        },
    )
    assert res.status_code in (200, 302)
    ann = _ann_access(client_a, world)
    assert [e.code for e in selectors.engagements(ann)] == ["eng-inv"]
    assert ann.can(Perm.SUBMIT_WORK)
    # a refused choice keeps the form and says why in words
    bad = web.post(url, {"action": "grants", "member": "ann", "scope": "named"})
    assert bad.status_code == 400
    assert b"Choose at least one engagement" in bad.content


def test_provider_staff_see_only_the_clients_they_serve(world, provider, client_a, client_b):
    # given an agent who serves Client A only
    agent = UserFactory.create(username="agent-a")
    make_member(provider, agent, Role.AGENT)
    make_member(client_a, agent, Role.AGENT)
    staff = access_tenant(user=agent, slug=provider.slug)
    # then acting in the provider's tenant they read Client A's work only
    assert selectors.work_tenant_ids(staff) == [client_a.pk]
    assert "B-FOREIGN-1" not in {i.external_ref for i in selectors.items(staff)}
    with pytest.raises(NotFound):
        work_access.access_item_by_id(staff, world["items"]["b"].pk)
    # and Client B's tenant is not theirs to open
    with pytest.raises(NotFound):
        access_tenant(user=agent, slug=client_b.slug)
    api = Client(headers={"Authorization": f"Bearer {make_token(agent, provider)}"})
    assert api.get(f"/api/v1/work/items/{world['items']['b'].pk}").status_code == 404
    assert api.get(f"/api/v1/work/items/{world['items']['inv'].pk}").status_code == 200


def test_grants_through_the_api(world, client_a, user_a):
    api = Client(headers={"Authorization": f"Bearer {make_token(user_a, client_a)}"})
    url = "/api/v1/portal/members/ann/grants"
    assert api.get(url).json()["all_engagements"] is True
    body = {"all_engagements": False, "engagement_ids": [world["inv"].pk], "may_submit": False}
    res = api.put(url, data=body, content_type="application/json")
    assert res.status_code == 200, res.content
    assert res.json()["engagement_ids"] == [world["inv"].pk]
    # the same request again writes no second audit event
    api.put(url, data=body, content_type="application/json")
    assert (
        AuditEvent.objects.for_tenant(client_a)
        .filter(action="portal.member_grants_changed")
        .count()
        == 1
    )
    # another client's engagement, in words, and nothing written
    bad = api.put(
        url,
        data={"all_engagements": False, "engagement_ids": [world["other"].pk]},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "unknown_engagement"
    assert "not this organisation's" in bad.json()["error"]["message"]
    assert api.get(url).json()["engagement_ids"] == [world["inv"].pk]
    # a limited member may not read or change grants
    ann_api = Client(headers={"Authorization": f"Bearer {make_token(world['ann'], client_a)}"})
    assert ann_api.get(f"/api/v1/portal/members/{user_a.username}/grants").status_code == 403
