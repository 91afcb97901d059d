"""Security headers, the content security policy, rate limits and the deploy checks."""

from __future__ import annotations

import re

import pytest
from django.core.checks import run_checks
from django.test import Client

from backoffice.identity.csp import hashes_in, template_hashes

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def test_pages_carry_the_policy_and_headers(web_a):
    for path in ["/login/", "/account/", "/account/security/", "/t/client-a/"]:
        response = web_a.get(path) if path != "/login/" else Client().get(path)
        assert response.status_code == 200, path
        policy = _csp(response)
        assert policy["default-src"] == ["'self'"]
        assert "'unsafe-inline'" not in policy["script-src"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]


def test_every_inline_script_on_a_page_is_allowed_by_its_hash(web_a):
    response = web_a.get("/account/")
    policy = _csp(response)
    scripts, _ = hashes_in(response.content.decode())
    assert scripts, "the layout has inline scripts"
    assert scripts <= set(policy["script-src"])


def test_a_script_not_in_a_template_is_not_allowed():
    injected = '<p>hello</p><script>alert("x")</script>'
    scripts, _ = hashes_in(injected)
    allowed, _ = template_hashes()
    assert not scripts & set(allowed)


def test_hashes_by_hand():
    # sha256("a") base64 = ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs=
    scripts, handlers = hashes_in('<script>a</script><select onchange="a">')
    assert scripts == {"'sha256-ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs='"}
    assert handlers == scripts
    assert hashes_in('<script src="/x.js"></script><script>{{ v }}</script>') == (set(), set())


def test_token_creation_is_rate_limited(web_a, settings):
    settings.RATE_LIMIT_TOKENS = 2
    for _ in range(2):
        assert web_a.post("/t/client-a/tokens/", {"name": "ci", "days": "30"}).status_code != 429
    response = web_a.post("/t/client-a/tokens/", {"name": "ci", "days": "30"})
    assert response.status_code == 429
    assert "Too many API tokens created" in response.content.decode()
    assert response["Retry-After"] == "3600"


def test_api_token_creation_is_rate_limited(api_a, settings):
    settings.RATE_LIMIT_TOKENS = 1
    first = api_a.post("/api/v1/tokens", {"name": "one"}, content_type="application/json")
    assert first.status_code == 201
    second = api_a.post("/api/v1/tokens", {"name": "two"}, content_type="application/json")
    assert second.status_code == 429
    assert second.json()["error"]["code"] == "rate_limited"


def test_exports_are_rate_limited(settings, user_a):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from backoffice.identity.ratelimit import RateLimitMiddleware

    settings.RATE_LIMIT_EXPORTS = 2

    def download(request):
        response = HttpResponse("a,b\n", content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="x.csv"'
        return response

    middleware = RateLimitMiddleware(download)
    statuses = []
    for _ in range(3):
        request = RequestFactory().get("/t/client-a/ledger/report/?format=csv")
        request.user = user_a
        statuses.append(middleware(request).status_code)
    assert statuses == [200, 200, 429]


def _ids(problems) -> set[str]:
    return {p.id for p in problems}


def test_check_deploy_names_each_missing_setting(settings):
    settings.SECURE_HSTS_SECONDS = 0
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.CONTENT_SECURITY_POLICY = {}
    settings.SESSION_IDLE_TIMEOUT = 0
    settings.MFA_STAFF_DEFAULT = "optional"
    ids = _ids(run_checks(include_deployment_checks=True, tags=["security"]))
    assert {
        "backoffice.E010",
        "backoffice.E011",
        "backoffice.E013",
        "backoffice.E015",
        "backoffice.E018",
    } <= ids


def test_check_deploy_is_quiet_when_all_is_set(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.MFA_STAFF_DEFAULT = "required"
    ids = _ids(run_checks(include_deployment_checks=True, tags=["security"]))
    assert not {i for i in ids if re.match(r"backoffice\.[EW]01\d", i)}


def test_check_deploy_refuses_unsafe_inline_scripts(settings):
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", "'unsafe-inline'"]}
    }
    assert "backoffice.E014" in _ids(run_checks(include_deployment_checks=True, tags=["security"]))
