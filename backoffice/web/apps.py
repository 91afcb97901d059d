from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "backoffice.web"
    label = "web"
    verbose_name = "Web UI"
