"""factory-boy factories for tenancy; other apps build on these."""

from __future__ import annotations

import factory

from backoffice.tenancy import services
from backoffice.tenancy.models import Membership, Organization, User

TEST_PASSWORD = "correct horse battery staple"


class ProviderFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    slug = "provider"
    name = "Test Provider"
    kind = Organization.Kind.PROVIDER
    timezone = "America/New_York"


class ClientOrgFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    slug = factory.Sequence(lambda n: f"client-{n}")
    name = factory.Sequence(lambda n: f"Client {n}")
    kind = Organization.Kind.CLIENT
    provider = factory.SubFactory(ProviderFactory)
    timezone = "Europe/Berlin"
    currency = "EUR"

    @classmethod
    def _create(cls, model_class: type[Organization], *args: object, **kw: object) -> Organization:
        """Through the service, as in production: the creation is audited."""
        return services.create_organization(
            slug=kw["slug"],  # type: ignore[arg-type]
            name=kw["name"],  # type: ignore[arg-type]
            kind=kw["kind"],  # type: ignore[arg-type]
            provider=kw["provider"],  # type: ignore[arg-type]
            timezone_name=kw["timezone"],  # type: ignore[arg-type]
            currency=kw["currency"],  # type: ignore[arg-type]
        )


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda u: u.username.title())

    @classmethod
    def _create(cls, model_class: type[User], *args: object, **kwargs: object) -> User:
        kwargs.setdefault("password", TEST_PASSWORD)
        return model_class.objects.create_user(*args, **kwargs)  # type: ignore[arg-type]


def make_member(org: Organization, user: User, role: str) -> Membership:
    return services.add_member(organization=org, user=user, role=role)


def make_token(user: User, tenant: Organization, role: str | None = None, days: int = 30) -> str:
    from backoffice.tenancy.selectors import access_tenant

    role = role or access_tenant(user=user, slug=tenant.slug).role
    _, secret = services.issue_api_token(
        user=user, tenant=tenant, role=role, name="test", days=days
    )
    return secret
