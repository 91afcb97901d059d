from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "backoffice.privacy"
    label = "privacy"
