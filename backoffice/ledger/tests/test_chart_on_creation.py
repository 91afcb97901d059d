import pytest

from backoffice.ledger.models import Account
from backoffice.tenancy import services


@pytest.mark.django_db
def test_new_tenants_start_with_a_chart_of_accounts():
    # given a provider and a client created through the tenancy service
    provider = services.create_organization(slug="p", name="P", kind="provider")
    client = services.create_organization(slug="c", name="C", kind="client", provider=provider)
    # then each has its own template's accounts
    provider_codes = set(Account.objects.for_tenant(provider).values_list("code", flat=True))
    client_codes = set(Account.objects.for_tenant(client).values_list("code", flat=True))
    assert provider_codes and client_codes
    assert provider_codes != client_codes  # services chart vs general chart
