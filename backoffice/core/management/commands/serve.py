"""`backoffice serve`: the production web server (gunicorn) with sensible defaults."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from gunicorn.app.base import BaseApplication


def default_workers() -> int:
    """Two per core plus one, at most eight: requests wait on the database more than on CPU."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def gunicorn_options(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "bind": options["bind"],
        "workers": options["workers"] or default_workers(),
        "threads": options["threads"],
        "timeout": options["timeout"],
        "graceful_timeout": 30,
        "keepalive": 5,
        "max_requests": 2000,  # recycle workers now and then; jitter spreads the restarts
        "max_requests_jitter": 200,
        "accesslog": None,  # each request is already one JSON log line (RequestIdMiddleware)
        "errorlog": "-",
        "forwarded_allow_ips": options["forwarded_allow_ips"],
        "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
        "child_exit": _forget_worker_metrics,
    }


class Command(BaseCommand):
    help = (
        "Serve the web application with gunicorn (production). Checks the deployment first "
        "when BACKOFFICE_ENV=production; run `backoffice migrate` and `collectstatic` before."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("BIND", "0.0.0.0:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", 0)))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 1)))
        parser.add_argument(
            "--timeout", type=int, default=60, help="Seconds before a stuck worker is replaced."
        )
        parser.add_argument(
            "--forwarded-allow-ips",
            default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            help="Proxies whose X-Forwarded-* headers are trusted.",
        )
        parser.add_argument("--print-config", action="store_true", help="Print and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        config = gunicorn_options(options)
        if options["print_config"]:
            for key, value in sorted(config.items()):
                self.stdout.write(f"{key} = {value!r}")
            return
        if getattr(settings, "PRODUCTION", False):
            call_command("check_deploy")
        _Server(config).run()


def _forget_worker_metrics(server: Any, worker: Any) -> None:
    """A recycled worker's live gauges must not linger in the merged scrape."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


class _Server(BaseApplication):  # type: ignore[misc]
    """gunicorn driven from our options instead of its command line."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config_values = config
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.config_values.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from backoffice.wsgi import application

        return application
