from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "backoffice.reports"
    label = "reports"
