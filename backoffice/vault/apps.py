from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "backoffice.vault"
    label = "vault"
