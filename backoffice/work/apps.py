from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "backoffice.work"
    label = "work"
    verbose_name = "Work"

    def ready(self) -> None:
        from backoffice.core.metrics import register_scrape_collector
        from backoffice.work.observability import work_gauges

        register_scrape_collector(work_gauges)
