"""A real OpenID Connect provider for the tests: oidc-provider-mock (Flask + authlib's
server grants) on a thread, serving discovery, JWKS and RS256-signed ID tokens over HTTP.
It is not a mock of our code: our client talks to it over the network like to Entra or Okta.

Its "authorize" page is a form where the person picks who they are (`sub`); the claims of
the predefined people (email, name) go into the ID token."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

oidc_provider_mock = pytest.importorskip("oidc_provider_mock")


@dataclass(frozen=True)
class Idp:
    issuer: str

    def authorize(self, authorization_url: str, sub: str) -> str:
        """As the person's browser: choose `sub` on the provider's page; where it sends us."""
        assert authorization_url.startswith(self.issuer)
        answer = httpx.post(authorization_url, data={"sub": sub}, follow_redirects=False)
        assert answer.status_code == 302, answer.text[:300]
        return str(answer.headers["location"])


@contextlib.contextmanager
def running_idp(people: Mapping[str, Mapping[str, object]]) -> Iterator[Idp]:
    users = [
        oidc_provider_mock.User(sub=sub, claims=dict(claims)) for sub, claims in people.items()
    ]
    with oidc_provider_mock.run_server_in_thread(user_claims=users, require_nonce=True) as server:
        yield Idp(issuer=f"http://localhost:{server.server_port}")


def callback_query(location: str) -> dict[str, str]:
    """The query of the provider's redirect back to us (code and state)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def path_of(location: str) -> str:
    parts = urlsplit(location)
    return parts.path + ("?" + parts.query if parts.query else "")


EMAIL = re.compile(r"^[^@]+@[^@]+$")
