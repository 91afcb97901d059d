from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "backoffice.portal"
    label = "portal"

    def ready(self) -> None:
        from backoffice.portal.projects import threads

        threads.register()
