from django.apps import AppConfig


class CommerceConfig(AppConfig):
    name = "backoffice.commerce"
    label = "commerce"
    verbose_name = "Commerce"
