"""The `backoffice` console command: Django's management commands plus our own."""

import os
import sys
import tempfile

ALIASES = {"check-deploy": "check_deploy", "grant-app-role": "grant_app_role"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    if argv[1:2] == ["serve"] and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Before anything imports prometheus-client: each gunicorn worker then counts into
        # files in this directory, and a scrape of any worker merges them all.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="backoffice-metrics-")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
