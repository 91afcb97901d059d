"""Every route, every role, an object of another tenant → refused (403 or 404), nothing changed.

Nothing here is a hand-kept list of routes. The page routes come from the URL configuration
(every pattern under `/t/<tenant>/`), the API operations from the OpenAPI document; a route
added tomorrow is attacked tomorrow without editing this file (`test_the_matrix_reports_a_
leaking_route_it_was_never_told_about` proves it with a route it has never seen).

The demo is seeded once for the module (rolled back at its end). The victims are the demo's
Acme Insurance and Globex Retail (the clients with records of every kind) and the provider's
own books where they do not concern Initech. An object id for a route's parameter is found the
way an owner would reach it: first through the links and forms of the owner's pages, then for
each `<int:…_id>` left the candidates are the victim's rows of the models whose name matches
the parameter (`item_id` → WorkItem, `entry_id` → JournalEntry…, every tenant-owned model when
none matches; a child route such as `items/<item_id>/files/<attachment_id>` takes the child's
rows with their parent); a GET route keeps the candidate its owner can open (200, or 405 for an
action that takes only POST). An API operation keeps the id its GET twin opened for the owner.

The attackers hold every role: Initech's client admin, client user and auditor, and the
provider's staff in each role that serves only the clients it is a member of (these serve
none; the provider admin and auditor reach every client by their role). Each page is asked
for twice, with GET and with POST: in the attacker's own tenant with the victim's ids (unless
the row is the attacker's own tenant's: a provider's invoice to Acme is the provider's row,
which its finance staff may open), and in the victim's tenant. Each API operation is called
with the attacker's own token and the victim's ids, with a body built from the operation's
schema so that it gets past validation to the access check, and with the session naming the
victim's tenant. Every answer must be 403 or 404 (a 400/422 that is word for word the answer
for an id that exists nowhere tells nothing and is counted apart); afterwards every table (but
the sign-in bookkeeping named in IGNORED_TABLES) holds exactly what it held before.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.db.models import Q
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from backoffice.audit.models import AuditEvent
from backoffice.site.api import api
from backoffice.site.demo import seed_demo
from backoffice.tenancy import services as tenancy_services
from backoffice.tenancy.models import Organization, User
from backoffice.tenancy.roles import PROVIDER_ROLES, Role
from backoffice.tenancy.selectors import PROVIDER_WIDE_ROLES

TENANT_PREFIX = "t/<slug:tenant>/"
REFUSED = {403, 404}
# 405: the method is turned away before the view runs or looks anything up.
NOT_ALLOWED = 405
# Rows that any signed-in request may touch (who signed in, when a token was last used).
IGNORED_TABLES = {"sessions.session", "tenancy.apitoken", "tenancy.user"}
IGNORED_APPS = {"axes", "identity"}
# The share of routes with an object id for which the harvest must find a victim's object
# (47 of 70 on 2026-12-01: the rest are in KNOWN_UNREACHED, or are new and named in a
# warning; raise this as the harvest learns them).
MIN_REACHED = 0.65
# Routes for which the demo holds no object of the victims' that is not also the attacker's.
# They are still attacked (with the first candidate ids), only not with a confirmed object.
# The list may only shrink: a route here that becomes reachable fails the test until it is
# taken off.
KNOWN_UNREACHED: dict[str, str] = {
    "t/<slug:tenant>/billing/runs/<int:run_id>/": "a billing run covers every client: it is "
    "the provider's own, not a victim's",
    "t/<slug:tenant>/billing/runs/<int:run_id>/continue/": "as the run's page",
    "t/<slug:tenant>/conversations/files/<int:attachment_id>/": "the demo has no file on a "
    "conversation",
    "t/<slug:tenant>/portal/requests/<int:request_id>/act/": "the demo's requests are in no "
    "state an action applies to",
    "t/<slug:tenant>/portal/requests/<int:request_id>/samples/": "the demo has no sample on a "
    "request",
    "t/<slug:tenant>/portal/requests/<int:request_id>/samples/<int:sample_id>/": "as above",
    "t/<slug:tenant>/vault/rotations/<int:job_id>/": "the demo rotates no key",
    "t/<slug:tenant>/vault/rotations/<int:job_id>/progress/": "the demo rotates no key",
    "t/<slug:tenant>/reports/<slug:kind>/": "the provider's reports cover every client, the "
    "attacking one too: they are left out of the provider's books as victim",
    "t/<slug:tenant>/setup/queues/<int:queue_id>/": "queues are the provider's own rows",
    "t/<slug:tenant>/work/qa/<int:item_id>/adjudicate/": "the demo has no double-keyed item "
    "waiting to be settled",
    "t/<slug:tenant>/work/items/<int:item_id>/files/<int:attachment_id>/pages/<int:page>/": "a "
    "file's page is linked from the viewer's script, not from a link or form",
}
# Real leaks found in apps this test's author could not change: (method, route) → why. A
# leak listed here makes the test xfail (never pass silently); one no longer seen fails it
# until it is taken off.
KNOWN_LEAKS: dict[tuple[str, str], str] = {}
PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
API_PARAM = re.compile(r"\{(\w+)\}")
LINK = re.compile(r'(?:href|action|hx-get|hx-post)="([^"#?]+)')
GHOST_ID = "2147480000"  # an id no row has
GHOST_TENANT = "no-such-tenant-matrix"
# Values tried for a path parameter that is not an object id (a format, an action, a side).
WORDS = [
    "csv", "xlsx", "jsonl", "json", "pdf", "ubl", "xml", "lock", "unlock", "issue", "cancel",
    "sales", "purchases", "receivables", "payables",
]  # fmt: skip


# --- what the victims own ------------------------------------------------------------------


def _tenant_field(model: type[models.Model]) -> bool:
    try:
        f = model._meta.get_field("tenant")
    except Exception:
        return False
    return getattr(f, "related_model", None) is Organization


def _model_index() -> dict[str, type[models.Model]]:
    return {
        re.sub(r"(?<!^)(?=[A-Z])", "_", m.__name__).lower(): m
        for m in apps.get_models()
        if _tenant_field(m) or m is Organization
    }


@dataclass(eq=False)
class Victim:
    tenant: Organization
    owners: list[User]
    ids: dict[type[models.Model], list[int]] = field(default_factory=dict)
    usernames: list[str] = field(default_factory=list)


def _ids_by_model(
    tenant: Organization, provider: Organization, spare: Organization, per_model: int = 12
) -> dict[type[models.Model], list[int]]:
    """The victim's rows of each model: its own, and the provider's rows about it (a
    contract or an invoice for a client is the provider's row naming the client). The
    provider's books leave out its rows naming `spare` (the attacking client: its own
    invoice from the provider is its to see)."""
    found: dict[type[models.Model], list[int]] = {}
    for model in _model_index().values():
        if model is Organization:
            found[model] = [tenant.pk]
            continue
        about = Q(tenant=tenant)
        naming = [
            f.name
            for f in model._meta.get_fields()
            if f.name != "tenant"
            and getattr(f, "related_model", None) is Organization
            and (f.many_to_one or f.one_to_one)
        ]
        rows = model._base_manager.all()
        if tenant != provider:
            for name in naming:
                about |= Q(tenant=provider, **{name: tenant})
        else:
            for name in naming:
                rows = rows.exclude(**{name: spare})
        ids = list(rows.filter(about).order_by("-pk").values_list("pk", flat=True)[:per_model])
        if ids:
            found[model] = ids
    return found


def _matching_models(param: str) -> list[type[models.Model]]:
    stem = param.removesuffix("_id").removesuffix("_pk")
    return [m for name, m in _model_index().items() if name == stem or name.endswith("_" + stem)]


def candidates(param: str, victim: Victim, *, is_id: bool) -> list[str]:
    """Values of a path parameter that name the victim's objects (none: the victim has no
    object of that kind, and the route is not about it)."""
    if param == "username":
        return victim.usernames
    if param == "page":
        return ["1", "0"]
    if not is_id:
        return WORDS
    values: list[str] = []
    for model in _matching_models(param) or list(victim.ids):
        values += [str(i) for i in victim.ids.get(model, [])]
    return values


def row_tenants(values: dict[str, Any], victim: Victim) -> frozenset[int]:
    """The tenants owning the rows a URL's ids name (among the victim's rows)."""
    found: set[int] = set()
    for param, value in values.items():
        if param == "username" and value in victim.usernames:  # its own people only
            found.add(victim.tenant.pk)
        if param == "tenant" or not str(value).isdigit():
            continue
        for model in _matching_models(param) or list(victim.ids):
            if int(value) not in victim.ids.get(model, []):
                continue
            if model is Organization:
                found.add(int(value))
            else:
                found.add(model._base_manager.filter(pk=value).values_list("tenant_id")[0][0])
    return frozenset(found)


def _pairs(params: list[str], victim: Victim) -> list[tuple[str, ...]]:
    """(parent id, child id) of the victim's rows for a route like `items/<item_id>/files/
    <attachment_id>`: the child's model has a foreign key named after the parent."""
    if params[-1] == "page":  # a page of a file: its first
        return [(*pair, n) for pair in _pairs(params[:-1], victim) for n in ("1", "0")]
    if len(params) != 2 or not all(p.endswith("_id") for p in params):
        return []
    parent, child = (p.removesuffix("_id") for p in params)
    found: list[tuple[str, ...]] = []
    for name, model in _model_index().items():
        if not (name == child or name.endswith("_" + child)):
            continue
        if parent not in {f.name for f in model._meta.get_fields()}:
            continue
        rows = model._base_manager.filter(pk__in=victim.ids.get(model, []))
        found += [(str(getattr(r, f"{parent}_id")), str(r.pk)) for r in rows]
    return found


def _combos(options: list[list[str]], limit: int = 24) -> Iterator[tuple[str, ...]]:
    if any(not o for o in options):
        return
    count = 0

    def rec(i: int, acc: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        nonlocal count
        if i == len(options):
            count += 1
            yield acc
            return
        for v in options[i]:
            if count >= limit:
                return
            yield from rec(i + 1, (*acc, v))

    yield from rec(0, ())


# --- the routes ------------------------------------------------------------------------------


def page_routes() -> list[str]:
    """Every page route under /t/<tenant>/, from the URL configuration in force."""

    def walk(patterns: Any, prefix: str = "") -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return sorted({r for r in walk(get_resolver().url_patterns) if r.startswith(TENANT_PREFIX)})


def route_params(route: str) -> list[tuple[str, str]]:
    """(converter, name) of a route's parameters other than the tenant."""
    return [(m[1], m[2]) for m in PARAM.finditer(route) if m[2] != "tenant"]


def fill(route: str, values: dict[str, str], tenant: str) -> str:
    return "/" + PARAM.sub(lambda m: tenant if m[2] == "tenant" else values[m[2]], route)


@functools.cache
def openapi() -> dict[str, Any]:
    return api.get_openapi_schema()


def api_operations() -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every operation of the OpenAPI document."""
    schema = openapi()
    return sorted(
        ((method.upper(), path, op) for path, ops in schema["paths"].items()
         for method, op in ops.items() if method in {"get", "post", "put", "patch", "delete"}),
        key=lambda t: (t[0], t[1]),
    )  # fmt: skip


def _fingerprint() -> dict[str, str]:
    prints = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in IGNORED_TABLES or model._meta.app_label in IGNORED_APPS:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        prints[label] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return prints


# --- request bodies from the OpenAPI schema --------------------------------------------------

STRING_FORMATS = {
    "date": "2026-03-02", "date-time": "2026-03-02T10:00:00Z", "email": "someone@example.com",
    "uuid": "00000000-0000-4000-8000-000000000000", "time": "10:00:00", "uri": "https://example.com",
}  # fmt: skip


def example(schema: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> Any:
    """The smallest value a schema accepts, as far as can be told without its pattern."""
    if depth > 12:
        return None
    if "$ref" in schema:
        return example(defs[schema["$ref"].rsplit("/", 1)[1]], defs, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return example(options[0], defs, depth + 1) if options else None
    if "default" in schema:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: example(props[k], defs, depth + 1) for k in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {}), defs, depth + 1)] * schema.get("minItems", 0)
    if kind in {"integer", "number"}:
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "boolean":
        return False
    if kind == "string":
        if schema.get("format") in STRING_FORMATS:
            return STRING_FORMATS[schema["format"]]
        return "x" * max(int(schema.get("minLength", 1)), 1)
    return None


@dataclass
class Call:
    """How an operation is called: its query string and body."""

    query: str = ""
    json: Any = None
    form: dict[str, Any] | None = None


def call_for(op: dict[str, Any]) -> Call:
    defs = openapi()["components"].get("schemas", {})
    required = [p for p in op.get("parameters", []) if p["in"] == "query" and p.get("required")]
    query = "&".join(f"{p['name']}={example(p.get('schema', {}), defs)}" for p in required)
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        return Call(query, json=example(content["application/json"]["schema"], defs) or {})
    if "multipart/form-data" in content:
        body = example(content["multipart/form-data"]["schema"], defs) or {}
        props = _resolved(content["multipart/form-data"]["schema"], defs).get("properties", {})
        form = {
            k: SimpleUploadedFile("a.pdf", b"%PDF-1.4 a", "application/pdf")
            if _resolved(props.get(k, {}), defs).get("format") == "binary"
            else v
            for k, v in body.items()
        }
        return Call(query, form=form)
    return Call(query)


def _resolved(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def send(c: Client, method: str, url: str, call: Call, **headers: str) -> Any:
    url = f"{url}?{call.query}" if call.query else url
    if call.form is not None and method == "POST":
        for f in call.form.values():
            if isinstance(f, SimpleUploadedFile):
                f.seek(0)
        return c.post(url, call.form, headers=headers)
    body = b"" if method == "GET" else json.dumps(call.json or {}).encode()
    return c.generic(method, url, body, content_type="application/json", headers=headers)


# --- the harvest: each route's object of the victim's, as its owner reaches it --------------


@dataclass(eq=False)
class Target:
    method: str  # "page" for a page (asked with GET and POST), else the API operation's
    route: str  # the URL pattern or the OpenAPI path
    url: str
    victim: Victim
    owned_by: frozenset[int]  # tenants of the rows the URL names
    confirmed: bool = True  # an owner opened it (else the first candidate ids)
    call: Call = field(default_factory=Call)


def _html(response: Any) -> str | None:
    ok = response.status_code == 200 and "text/html" in response.get("Content-Type", "")
    return response.content.decode() if ok else None


def _links(page: str | None, prefix: str) -> set[str]:
    return {u for u in LINK.findall(page or "") if u.startswith(prefix)}


def _from_links(links: set[str], victim: Victim, found: dict[str, Target]) -> None:
    for url in sorted(links):
        try:
            match = resolve(url)
        except Resolver404:
            continue
        known = found.get(match.route)
        fresh = (known is None or not known.confirmed) and route_params(match.route)
        if match.route.startswith(TENANT_PREFIX) and fresh:
            owned = row_tenants(match.kwargs, victim)
            found[match.route] = Target("page", match.route, url, victim, owned)


def harvest_pages(
    victim: Victim, clients: dict[str, Client], routes: list[str]
) -> dict[str, Target]:
    """route → an URL of the victim's its owners can open: the links and forms of their
    pages first, then each id route not linked tried with candidates."""
    slug, prefix = victim.tenant.slug, f"/t/{victim.tenant.slug}/"
    found: dict[str, Target] = {}
    links: set[str] = set()
    for route in (r for r in routes if not route_params(r)):
        for owner in victim.owners:
            links |= _links(_html(clients[owner.username].get(fill(route, {}, slug))), prefix)
    _from_links(links, victim, found)
    links = set()
    for route in (r for r in routes if route_params(r) and r not in found):
        params = [name for _, name in route_params(route)]
        options = [
            candidates(n, victim, is_id=kind == "int")[:6] for kind, n in route_params(route)
        ]
        combos = [*_pairs(params, victim), *_combos(options)]
        for owner in victim.owners:
            for combo in combos:
                values = dict(zip(params, combo, strict=True))
                url = fill(route, values, slug)
                response = clients[owner.username].get(url)
                if response.status_code in {200, 405}:  # 405: an action taking only POST
                    found[route] = Target("page", route, url, victim, row_tenants(values, victim))
                    links |= _links(_html(response), prefix)
                    break
            if route in found:
                break
        if route not in found and combos:  # attacked all the same, unconfirmed
            values = dict(zip(params, combos[0], strict=True))
            owned = row_tenants(values, victim)
            found[route] = Target("page", route, fill(route, values, slug), victim, owned, False)
    _from_links(links, victim, found)
    return found


def harvest_api(victim: Victim, clients: dict[str, Client]) -> list[Target]:
    """Each operation with ids, with the victim's objects: an owner's GET that answers 200
    confirms the ids; an operation without a GET twin takes the ids its neighbours' GETs
    confirmed, else the first candidates."""
    targets = []
    confirmed: dict[str, str] = {}
    operations = api_operations()
    for method, path, op in sorted(operations, key=lambda t: t[0] != "GET"):
        params = API_PARAM.findall(path)
        if not params:
            continue
        options = [
            [confirmed[p]] if p in confirmed and method != "GET" else
            candidates(p, victim, is_id=p.endswith("_id"))[:6] for p in params
        ]  # fmt: skip
        call, chosen = call_for(op), None
        for owner in victim.owners if method == "GET" else []:
            for combo in _combos(options):
                url = API_PARAM.sub(_sub(params, combo), path)
                response = send(
                    clients[owner.username], "GET", url, call, X_Tenant=victim.tenant.slug
                )
                if response.status_code == 200:
                    chosen = dict(zip(params, combo, strict=True))
                    confirmed.update(chosen)
                    break
            if chosen:
                break
        values = chosen or dict(zip(params, next(_combos(options), ()), strict=False))
        if len(values) == len(params):
            url = API_PARAM.sub(_sub(params, tuple(values.values())), path)
            owned = row_tenants(values, victim)
            targets.append(Target(method, path, url, victim, owned, chosen is not None, call))
    return targets


def _sub(params: list[str], combo: tuple[str, ...]) -> Any:
    values = dict(zip(params, combo, strict=True))
    return lambda m: values[m[1]]


def _concerns(url: str, client: Client, name: str) -> bool:
    """Whether a page of the provider's is about the attacking client (its main part names
    it; the navigation lists every client to the provider admin)."""
    page = _html(client.get(url))
    return name in (page or "").partition('<main id="main"')[2].partition("</main>")[0]


# --- the attack --------------------------------------------------------------------------------


@dataclass(eq=False)
class Attacker:
    user: User
    tenant: Organization
    role: str
    victims: list[Victim]


@dataclass(frozen=True)
class Leak:
    role: str
    method: str
    route: str
    url: str
    status: int
    how: str

    def __str__(self) -> str:
        return f"{self.role} {self.how} {self.method} {self.url}: {self.status}"


def _attackers(ctx: Any, clients: list[Victim], books: Victim) -> list[Attacker]:
    """Initech's client admin, client user and auditor attack Acme, Globex and the provider's
    own books; provider staff who serve no client attack Acme and Globex. (The provider admin
    and auditor reach every client by their role: for them no client is foreign.)"""
    initech = next(c for c in ctx.clients if c.slug == "initech-health")
    auditor = tenancy_services.create_user(username="initech-auditor", password="x-pass-2026")
    tenancy_services.add_member(organization=initech, user=auditor, role=Role.AUDITOR)
    found = [
        Attacker(ctx.users["initech-admin"], initech, Role.CLIENT_ADMIN, [*clients, books]),
        Attacker(ctx.users["initech-user"], initech, Role.CLIENT_USER, [*clients, books]),
        Attacker(auditor, initech, Role.AUDITOR, [*clients, books]),
    ]
    for role in sorted(PROVIDER_ROLES - PROVIDER_WIDE_ROLES):
        user = tenancy_services.create_user(username=f"outsider-{role}", password="x-pass-2026")
        tenancy_services.add_member(organization=ctx.provider, user=user, role=role)
        found.append(Attacker(user, ctx.provider, role, clients))
    return found


def attack_pages(
    attacker: Attacker, targets: list[Target], c: Client, lists: list[str]
) -> Iterator[Leak]:
    """Every page of the victim's tenant by its name, and every object of the victim's in the
    attacker's own tenant and in the victim's, with GET and with POST."""
    for victim in attacker.victims:
        for route in lists:
            url = fill(route, {}, victim.tenant.slug)
            for method in ("GET", "POST"):
                response = c.generic(method, url)
                if not refused(response) and not _like_no_tenant(c, method, route, response):
                    status = response.status_code
                    yield Leak(attacker.role, method, route, url, status, "in their tenant")
    for target in targets:
        if target.method != "page" or target.victim not in attacker.victims:
            continue
        slug = target.victim.tenant.slug
        tries = [(target.url, "in their tenant")]
        if target.owned_by and attacker.tenant.pk not in target.owned_by:  # else: theirs
            own = target.url.replace(f"/t/{slug}/", f"/t/{attacker.tenant.slug}/", 1)
            tries.append((own, "in own tenant"))
        for url, how in tries:
            for method in ("GET", "POST"):
                response = c.generic(method, url)
                if refused(response) or _like_a_ghost(c, method, url, target.route, response):
                    continue
                yield Leak(attacker.role, method, target.route, url, response.status_code, how)


def refused(response: Any) -> bool:
    return response.status_code in REFUSED or response.status_code == NOT_ALLOWED


def _like_no_tenant(c: Client, method: str, route: str, response: Any) -> bool:
    """Whether the answer is the one for a tenant that does not exist (a "confirm it's you"
    redirect that comes before the membership check, once the sign-in is 15 minutes old)."""
    ghost = c.generic(method, fill(route, {}, GHOST_TENANT))

    def place(r: Any) -> str:
        return re.sub(r"/t/[\w-]+/", "/t/_/", unquote(r.get("Location", "")))

    same_place = place(response) == place(ghost)
    return ghost.status_code == response.status_code and same_place


def _like_a_ghost(c: Client, method: str, url: str, route: str, response: Any) -> bool:
    """Whether the answer is word for word the answer for ids that exist nowhere (a form
    that redirects back before it looks anything up tells nothing)."""
    kwargs = {k: str(v) for k, v in resolve(url).kwargs.items() if k != "tenant"}
    ids = {k: v for k, v in kwargs.items() if v.isdigit()}
    if not ids:
        return False
    ghost = c.generic(method, fill(route, kwargs | dict.fromkeys(ids, GHOST_ID), url.split("/")[2]))

    def plain(r: Any) -> bytes:
        text = r.get("Location", "").encode() + r.content
        for v in ids.values():
            text = text.replace(f"/{v}/".encode(), f"/{GHOST_ID}/".encode())
        return text

    return ghost.status_code == response.status_code and plain(ghost) == plain(response)


def _blind(c: Client, target: Target, response: Any) -> bool:
    """A 400/422 word for word the answer for ids that exist nowhere: it tells nothing."""
    if response.status_code not in {400, 422}:
        return False
    ghost_url = API_PARAM.sub(GHOST_ID, target.route)
    ghost = send(c, target.method, ghost_url, target.call)
    return ghost.status_code == response.status_code and ghost.content == response.content


def attack_api(
    attacker: Attacker, targets: list[Target], session: Client, blind: set[str], secret: str
) -> Iterator[Leak]:
    """Every operation naming the victim's tenant with the attacker's session, and every
    object of the victim's with the attacker's own token."""
    bearer = Client(headers={"Authorization": f"Bearer {secret}"})
    operations = api_operations()
    for victim in attacker.victims:
        for method, path, op in operations:
            url = API_PARAM.sub("1", path)
            answer = send(session, method, url, call_for(op), X_Tenant=victim.tenant.slug)
            status = answer.status_code
            if not refused(answer):
                yield Leak(attacker.role, method, path, url, status, f"as {victim.tenant.slug}")
    for target in targets:
        theirs = target.owned_by and attacker.tenant.pk not in target.owned_by
        if target.victim not in attacker.victims or not theirs:  # else: the attacker's own
            continue
        response = send(bearer, target.method, target.url, target.call)
        if refused(response):
            continue
        if _blind(bearer, target, response):
            blind.add(f"{target.method} {target.route}")
            continue
        status = response.status_code
        yield Leak(attacker.role, target.method, target.route, target.url, status, "with own token")


# --- the world: the demo, its victims and attackers, harvested once for the module ------------


@dataclass
class World:
    victims: list[Victim]
    attackers: list[Attacker]
    clients: dict[str, Client]
    pages: list[Target]
    operations: list[Target]
    tokens: dict[str, str]  # username → the attacker's own API token (issued before the attack)


def _say(what: str, _start: list[float] = []) -> None:  # noqa: B006 - the clock's start
    _start[:] = _start or [time.process_time()]
    print(f"[matrix {time.process_time() - _start[0]:6.1f}s CPU] {what}", flush=True)


def _build_world() -> World:
    _say("seeding the demo")
    ctx = seed_demo()
    _say("seeded")
    assert ctx is not None, "the demo was already in the database"
    initech = next(c for c in ctx.clients if c.slug == "initech-health")
    acme = Victim(
        next(c for c in ctx.clients if c.slug == "acme-insurance"),
        [ctx.users["acme-admin"], ctx.users["ops"], ctx.users["admin"]],
    )
    globex = Victim(
        next(c for c in ctx.clients if c.slug == "globex-retail"),
        [ctx.users["globex-admin"], ctx.users["ops"], ctx.users["admin"]],
    )
    books = Victim(ctx.provider, [ctx.users["admin"], ctx.users["finance"]])
    victims = [acme, globex, books]
    attackers = _attackers(ctx, [acme, globex], books)
    clients: dict[str, Client] = {}
    for user in {*(u for v in victims for u in v.owners), *(a.user for a in attackers)}:
        clients[user.username] = Client()
        clients[user.username].force_login(user)
    tenancy_services.issue_api_token(  # a token of the victim's, to be revoked by others
        user=ctx.users["acme-admin"], tenant=acme.tenant, role=Role.CLIENT_ADMIN, name="acme"
    )
    orgs = [*ctx.clients, ctx.provider]
    for victim in victims:
        victim.ids = _ids_by_model(victim.tenant, ctx.provider, initech)
        victim.usernames = list(  # its own people, members nowhere else
            victim.tenant.memberships.exclude(
                user__memberships__organization__in=[o for o in orgs if o != victim.tenant]
            ).values_list("user__username", flat=True)[:3]
        )
    books.ids[Organization] = [acme.tenant.pk]  # the provider's page about another client
    routes = page_routes()
    _say(f"harvesting {len(routes)} page routes")
    pages = []
    for victim in victims:
        for target in harvest_pages(victim, clients, routes).values():
            if victim is books and _concerns(target.url, clients["admin"], initech.name):
                continue
            pages.append(target)
    _say(f"{len(pages)} pages; harvesting the API")
    operations = [t for v in victims for t in harvest_api(v, clients)]
    _say(f"{len(operations)} operations")
    tokens = {
        a.user.username: tenancy_services.issue_api_token(
            user=a.user, tenant=a.tenant, role=a.role, name="matrix"
        )[1]
        for a in attackers
    }
    return World(victims, attackers, clients, pages, operations, tokens)


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """The demo seeded and harvested once; everything rolled back when the module ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield _build_world()
        finally:
            transaction.set_rollback(True)


def run_matrix(
    world: World, attackers: list[Attacker], targets: list[Target]
) -> tuple[list[Leak], set[str]]:
    lists = [r for r in page_routes() if not route_params(r)]
    leaks: list[Leak] = []
    blind: set[str] = set()
    for attacker in attackers:
        c = world.clients[attacker.user.username]
        leaks += attack_pages(attacker, targets, c, lists)
        operations = [t for t in targets if t.method != "page"]
        leaks += attack_api(attacker, operations, c, blind, world.tokens[attacker.user.username])
        _say(f"attacked as {attacker.role}: {len(leaks)} leaks so far")
    return leaks, blind


# --- the tests ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_harvest_finds_an_object_of_another_tenant_for_most_routes(world: World) -> None:
    with_ids = {r for r in page_routes() if route_params(r)}
    reached = {t.route for t in world.pages if t.confirmed}
    unreached = sorted(with_ids - reached)
    print(f"{len(reached & with_ids)} of {len(with_ids)} page routes with ids reached")
    print("unreached:\n" + "\n".join(f"  {r}: {KNOWN_UNREACHED.get(r, 'NEW')}" for r in unreached))
    new = [r for r in unreached if r not in KNOWN_UNREACHED]
    if new:  # attacked with the first candidate ids all the same; said aloud
        warnings.warn("no victim's object found for: " + ", ".join(new), stacklevel=1)
    assert not reached & KNOWN_UNREACHED.keys(), (
        f"reachable now, take them off KNOWN_UNREACHED: {sorted(reached & KNOWN_UNREACHED.keys())}"
    )
    assert len(reached & with_ids) >= MIN_REACHED * len(with_ids), unreached
    api_with_ids = {path for _, path, _ in api_operations() if API_PARAM.search(path)}
    api_reached = {t.route for t in world.operations if t.confirmed}
    get_with_ids = {p for m, p, _ in api_operations() if m == "GET" and API_PARAM.search(p)}
    print(f"{len(api_reached)} of {len(get_with_ids)} API GET operations with ids confirmed")
    assert len(api_reached) >= MIN_REACHED * len(get_with_ids), sorted(get_with_ids - api_reached)
    missing = sorted(api_with_ids - {t.route for t in world.operations})
    if missing:  # attacked through the session naming the victim's tenant only; said aloud
        warnings.warn("no candidate id of a victim's for: " + ", ".join(missing), stacklevel=1)


@pytest.mark.django_db
def test_every_route_and_operation_refuses_every_role_an_object_of_another_tenant(
    world: World,
) -> None:
    before = _fingerprint()
    last_event = AuditEvent._base_manager.order_by("-pk").values_list("pk", flat=True).first()
    leaks, blind = run_matrix(world, world.attackers, [*world.pages, *world.operations])
    changed = sorted(label for label in before if before[label] != _fingerprint().get(label))
    known = [leak for leak in leaks if (leak.method, leak.route) in KNOWN_LEAKS]
    new = [leak for leak in leaks if (leak.method, leak.route) not in KNOWN_LEAKS]
    print(f"{len(world.pages)} pages, {len(world.operations)} operations, {len(world.attackers)}")
    print(f"answered before their access check: {sorted(blind)}")
    assert not new and not changed, (
        f"{len(new)} requests were not refused:\n"
        + "\n".join(map(str, new[:80]))
        + f"\nrefused requests changed these tables: {changed}; new audit events: "
        + str(
            list(
                AuditEvent._base_manager.filter(pk__gt=last_event or 0).values_list(
                    "action", "tenant__slug", "actor__username"
                )[:20]
            )
        )
    )
    gone = sorted(set(KNOWN_LEAKS) - {(leak.method, leak.route) for leak in known})
    assert not gone, f"refused now, take them off KNOWN_LEAKS: {gone}"
    assert {a.role for a in world.attackers} >= {Role.CLIENT_ADMIN, Role.CLIENT_USER, Role.AGENT}
    if known:
        reasons = {f"{m} {r}: {why}" for (m, r), why in KNOWN_LEAKS.items()}
        pytest.xfail("known leaks, not fixed yet:\n" + "\n".join(sorted(reasons)))


@pytest.mark.django_db
def test_the_matrix_reports_a_leaking_route_it_was_never_told_about(world: World, settings) -> None:
    # given: a URL configuration with one page more, which leaks
    from backoffice.site.tests.leaky_urls import LEAKY_ROUTE

    settings.ROOT_URLCONF = "backoffice.site.tests.leaky_urls"
    assert LEAKY_ROUTE in page_routes()
    acme = world.victims[0]
    # when: the matrix harvests and attacks as it does every route
    targets = [t for t in harvest_pages(acme, world.clients, [LEAKY_ROUTE]).values()]
    attacker = next(a for a in world.attackers if a.role == Role.CLIENT_USER)
    leaks, _ = run_matrix(world, [attacker], targets)
    # then: the route was reached with an Acme item, and the leak is reported
    assert [t.confirmed for t in targets] == [True]
    found = {(leak.method, leak.status, leak.how) for leak in leaks if leak.route == LEAKY_ROUTE}
    assert found == {("GET", 200, "in own tenant"), ("POST", 200, "in own tenant")}


@pytest.mark.django_db
def test_the_matrix_reports_an_operation_that_skips_its_access_check(
    world: World, monkeypatch
) -> None:
    # given: the item operation's access check fetches from every tenant
    from backoffice.work.api import items
    from backoffice.work.models import WorkItem

    monkeypatch.setattr(
        items,
        "access_item_by_id",
        lambda access, item_id, perm=None: WorkItem._base_manager.get(pk=item_id),
    )
    targets = [t for t in world.operations if t.route == "/api/v1/work/items/{item_id}"]
    attacker = next(a for a in world.attackers if a.role == Role.AGENT)
    # when
    leaks, _ = run_matrix(world, [attacker], targets)
    # then: Acme's and Globex's items were read with the outsider's own token
    found = [(leak.how, leak.status) for leak in leaks if leak.route in {t.route for t in targets}]
    assert found == [("with own token", 200)] * 2
