from django.apps import AppConfig


class WorkforceConfig(AppConfig):
    name = "backoffice.workforce"
    label = "workforce"
