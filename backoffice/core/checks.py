"""Deploy checks of our own, run by `backoffice check-deploy` beside Django's."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def backoffice_deploy_checks(app_configs: Any, **kwargs: Any) -> list[Warning | Error]:
    found: list[Warning | Error] = []
    if settings.SECRET_KEY == settings.INSECURE_SECRET_KEY:
        found.append(Error("SECRET_KEY is the development default.", id="backoffice.E001"))
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        found.append(
            Warning(
                "SQLite serves one writer at a time; use PostgreSQL for a multi-user provider.",
                id="backoffice.W001",
            )
        )
    if not getattr(settings, "PRODUCTION", False):
        found.append(Warning("BACKOFFICE_ENV is not 'production'.", id="backoffice.W002"))
    return found
