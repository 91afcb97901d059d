"""Two people accept the same quote at the same moment (PostgreSQL, two connections): the
quote's row lock lets one through; the other is told it was already accepted, and one
engagement and one contract exist."""

import threading

import pytest
from django.db import connection, connections

from backoffice.billing.models import Contract
from backoffice.core.errors import Conflict
from backoffice.portal.projects import services
from backoffice.portal.tests import factories_projects as f
from backoffice.tenancy.roles import Role
from backoffice.tenancy.tests.factories import UserFactory, make_member
from backoffice.work.models import Engagement

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL row locks")


@pg_only
@pytest.mark.django_db(transaction=True)
def test_two_acceptances_at_once_open_one_engagement(provider, client_a, user_a):
    f.books(provider)
    ops = f.ops_manager(provider, client_a)
    st = f.capture_service(provider, ops)
    alice = f.access(user_a, client_a, Role.CLIENT_ADMIN)
    ada = UserFactory.create(username="ada")
    make_member(client_a, ada, Role.CLIENT_ADMIN)
    deciders = [alice, f.access(ada, client_a, Role.CLIENT_ADMIN)]
    quote = f.sent_quote(ops, f.submitted(alice, st))
    start = threading.Barrier(2)
    results: list[str] = []

    def accept(n: int) -> None:
        try:
            start.wait()
            services.accept_quote(access=deciders[n], quote_id=quote.pk)
            results.append("accepted")
        except Conflict as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["accepted", "quote_already_decided"]
    assert Engagement.objects.for_tenant(client_a).count() == 1
    assert Contract.objects.for_tenant(provider).count() == 1
