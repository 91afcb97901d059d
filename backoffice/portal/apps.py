from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "backoffice.portal"
    label = "portal"
