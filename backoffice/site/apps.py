from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top layer: URL and API mounting, the demo orchestration and its command."""

    name = "backoffice.site"
    label = "site"
