from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "backoffice.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from backoffice.tenancy.hooks import on_organization_created

        on_organization_created(give_new_organization_a_chart)


def give_new_organization_a_chart(*, organization, actor) -> None:  # type: ignore[no-untyped-def]
    """Every new tenant starts with books: the services chart for the provider, else general."""
    from backoffice.ledger.services import apply_chart_template

    template = "services" if organization.is_provider else "general"
    apply_chart_template(tenant=organization, template=template, actor=actor)
