from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "backoffice.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"
