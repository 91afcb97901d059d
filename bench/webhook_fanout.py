"""Webhook fan-out: 10,000 completions delivered, signed, to a local receiver.

    .venv/bin/python bench/webhook_fanout.py --db sqlite --items 10000
    .venv/bin/python bench/webhook_fanout.py --db postgresql --items 10000 --threads 4

Creates and drops its own database (PostgreSQL: bo_bench_webhooks; SQLite: /tmp). A client
with one engagement and one webhook endpoint subscribed to `item.completed`; the receiver
is a `ThreadingHTTPServer` in a separate process (so it does not share the sender's GIL)
that checks every signature with `delivery.signing.verify` and counts.

Three phases, timed apart:

1. intake: the items arrive through the work engine's bulk intake, and are finished in
   bulk (state done, an output) as the work engine leaves them;
2. fan-out: for each completion, what the work app's `item_completed` signal does after
   commit — `record_item_completed` (the event, one delivery per endpoint, the client's
   batch sender woken: one job row for the lot);
3. delivery: the background worker (`backoffice worker --batch`, one process, as
   deployed) runs the batch sender: claim 100 due deliveries, sign and POST them (8 at
   once over the shared HTTP client), log the tries in bulk, again until none is due.
   With `--threads N` the same deliveries are instead sent one by one by N threads
   calling the single-try service (`attempt_delivery`) directly.

Prints completions/s for the fan-out and deliveries/s for the delivery; asserts every
request arrived once with a valid signature. Asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from work_common import create_database, drop_database, machine, make_engagement, migrate

NAME = "bo_bench_webhooks"


def _serve(port_out: Any, counts: Any, secret: str) -> None:
    """The receiver process: verify each request's signature, count good and bad ones."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from backoffice.delivery.signing import SignatureError, verify

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                verify(body, self.headers.get("Backoffice-Signature", ""), secret)
                index = 0
            except SignatureError:
                index = 1
            with counts.get_lock():
                counts[index] += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port_out.value = server.server_address[1]
    server.serve_forever()


def setup(items: int) -> tuple[Any, list[int]]:
    from django.conf import settings
    from django.db import transaction

    from backoffice.core.rls import set_rls_bypass
    from backoffice.tenancy.models import User
    from backoffice.tenancy.roles import Role
    from backoffice.tenancy.selectors import TenantAccess
    from backoffice.work import services as work
    from backoffice.work.models import State, WorkItem

    settings.DELIVERY_ALLOW_PRIVATE_TARGETS = True  # the receiver is on 127.0.0.1
    _, (engagement,) = make_engagement(1)
    client = engagement.tenant
    user = User.objects.create_user(username="bench-admin", password="x" * 20)
    access = TenantAccess(user=user, tenant=client, role=Role.CLIENT_ADMIN)
    t = time.perf_counter()
    rows = [
        work.ItemInput(external_ref=f"W-{i:06d}", data={"name": f"doc {i}", "amount": i})
        for i in range(items)
    ]
    result = work.submit_items(engagement=engagement, actor=None, rows=rows)
    with transaction.atomic():
        set_rls_bypass()
        WorkItem.objects.for_tenant(client).filter(pk__in=result.item_ids).update(
            state=State.DONE,
            output={"name": "doc", "total": 12.5},
            completed_at=engagement.created_at,
        )
    print(f"intake + finish of {items} items: {time.perf_counter() - t:.1f} s")
    return access, result.item_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=0, help="send by N threads, no queue")
    args = parser.parse_args()
    create_database(args.db, NAME)
    migrate()
    receiver = None
    try:
        from django.core.management import call_command

        from backoffice.delivery import services
        from backoffice.delivery.models import WebhookDelivery
        from backoffice.tenancy.models import User  # noqa: F401

        access, item_ids = setup(args.items)
        port = multiprocessing.Value("i", 0)
        counts = multiprocessing.Array("l", 2)
        # the endpoint first (its secret), then the receiver that knows the secret
        endpoint, secret = services.create_endpoint(
            access=access, url="http://127.0.0.1:1/placeholder", event_types=["item.completed"]
        )
        receiver = multiprocessing.Process(target=_serve, args=(port, counts, secret), daemon=True)
        receiver.start()
        while not port.value:
            time.sleep(0.01)
        services.update_endpoint(
            access=access, endpoint=endpoint, url=f"http://127.0.0.1:{port.value}/hooks"
        )
        tenant_id = access.tenant.pk

        t = time.perf_counter()
        for item_id in item_ids:
            services.record_item_completed(tenant_id=tenant_id, item_id=item_id)
        fan = time.perf_counter() - t
        print(f"fan-out: {len(item_ids)} completions in {fan:.1f} s = {len(item_ids) / fan:,.0f}/s")

        t = time.perf_counter()
        if args.threads:
            ids = list(WebhookDelivery.objects.for_tenant(tenant_id).values_list("pk", flat=True))

            def send(pk: int) -> None:
                from django.db import connection

                services.attempt_delivery(delivery_id=pk, tenant_id=tenant_id)
                connection.close()

            with ThreadPoolExecutor(args.threads) as pool:
                list(pool.map(send, ids, chunksize=64))
            how = f"{args.threads} threads calling the service"
        else:
            call_command("worker", "--batch", "--interval", "0", "--no-scheduler")
            how = "one worker process draining the queue"
        took = time.perf_counter() - t
        delivered = WebhookDelivery.objects.for_tenant(tenant_id).filter(status="delivered").count()
        print(
            f"delivery ({how}): {delivered} delivered in {took:.1f} s = {delivered / took:,.0f}/s"
        )
        print(f"receiver: {counts[0]} requests with a valid signature, {counts[1]} invalid")
        assert delivered == len(item_ids) == counts[0] and counts[1] == 0
        print(f"machine: {machine()}; database: {args.db}")
    finally:
        if receiver is not None:
            receiver.terminate()
        drop_database(args.db, NAME)


if __name__ == "__main__":
    main()
