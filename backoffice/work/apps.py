from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "backoffice.work"
    label = "work"
    verbose_name = "Work"
