import pytest

from backoffice.audit.models import AuditEvent
from backoffice.core.scoping import UnscopedQueryError


@pytest.mark.django_db
def test_unscoped_query_on_tenant_model_raises(client_a):
    # given a tenant with audit events
    assert AuditEvent.objects.for_tenant(client_a).count() >= 1
    # when / then: evaluating a query that did not name the tenant is an error
    with pytest.raises(UnscopedQueryError):
        list(AuditEvent.objects.all())
    with pytest.raises(UnscopedQueryError):
        AuditEvent.objects.filter(action="organization.created").count()
    with pytest.raises(UnscopedQueryError):
        AuditEvent.objects.exists()
    with pytest.raises(UnscopedQueryError):
        AuditEvent.objects.filter(seq=1).first()


@pytest.mark.django_db
def test_scoped_query_sees_only_its_tenant(client_a, client_b):
    a_events = list(AuditEvent.objects.for_tenant(client_a))
    assert a_events and all(e.tenant_id == client_a.pk for e in a_events)
    assert not AuditEvent.objects.for_tenant(client_a).filter(tenant_id=client_b.pk).exists()


@pytest.mark.django_db
def test_explicit_unscoped_reads_across_tenants(client_a, client_b):
    tenants = set(
        AuditEvent.objects.unscoped("test reads every tenant").values_list("tenant_id", flat=True)
    )
    assert {client_a.pk, client_b.pk} <= tenants
