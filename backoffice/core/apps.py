from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "backoffice.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from backoffice.core import checks, logging  # noqa: F401

        logging.configure_structlog()
        from backoffice.core.tracing import setup_tracing

        setup_tracing()
        from django.core.signals import got_request_exception

        from backoffice.core.middleware import note_database_outage

        got_request_exception.connect(note_database_outage, dispatch_uid="core.database_outage")
