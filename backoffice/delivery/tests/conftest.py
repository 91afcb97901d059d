"""Delivery fixtures: a real local HTTP receiver, client A's engagement, an agent."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work.tests.factories import make_engagement, make_service_type

OUTPUT_SCHEMA = {
    "type": "object",
    "properties": {
        "vendor": {"type": "string", "title": "Supplier name"},
        "total": {"type": "number", "title": "Invoice total"},
        "paid": {"type": "boolean"},
        "lines": {"type": "array", "title": "Lines"},
    },
    "x-order": ["vendor", "total", "paid", "lines"],
    "required": ["vendor"],
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: answers each request with the next status in
    `answers` (200 once they run out) and keeps what it was sent."""

    url: str = ""
    answers: list[int] = field(default_factory=list)
    got: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.answers.pop(0) if self.answers else 200


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.got.append(Received(self.path, dict(self.headers.items()), body))
            status = state.next_status()
            answer = b'{"ok": true}' if status < 300 else b"receiver is down"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def _private_targets(settings) -> None:
    """Tests send to 127.0.0.1; the production rule is switched back on where tested."""
    settings.DELIVERY_ALLOW_PRIVATE_TARGETS = True
    settings.DELIVERY_RETRY_BASE_SECONDS = 10
    settings.DELIVERY_MAX_ATTEMPTS = 4


@pytest.fixture
def service_type(provider):
    return make_service_type(provider, code="invoices", output_schema=OUTPUT_SCHEMA)


@pytest.fixture
def engagement_a(client_a, service_type):
    return make_engagement(client_a, service_type, code="eng-a")


@pytest.fixture
def engagement_b(client_b, service_type):
    return make_engagement(client_b, service_type, code="eng-b")


@pytest.fixture
def agent(provider, client_a, client_b):
    user = UserFactory.create(username="agent")
    for org in (provider, client_a, client_b):
        make_member(org, user, Role.AGENT)
    return user


@pytest.fixture
def reviewer(provider, client_a, client_b):
    user = UserFactory.create(username="reviewer")
    for org in (provider, client_a, client_b):
        make_member(org, user, Role.QA_REVIEWER)
    return user
