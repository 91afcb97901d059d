from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "backoffice.vault"
    label = "vault"
    verbose_name = "Data protection"

    def ready(self) -> None:
        from backoffice.vault import checks  # noqa: F401  (registers the deploy checks)
