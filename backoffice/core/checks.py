"""Deploy checks of our own, run by `backoffice check-deploy` beside Django's."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections


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


def database_role_problems(alias: str = "default") -> list[str]:
    """Why the application's PostgreSQL connection would bypass row-level security, if it would.

    A superuser or a role with BYPASSRLS ignores every policy; the tables' owner obeys them only
    because of FORCE ROW LEVEL SECURITY, and may also drop or alter them. The web and worker
    processes must connect as a role that is none of these (migrations run as the owner).
    """
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        )
        user, superuser, bypass = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
            "AND tableowner = current_user AND tablename LIKE ANY (%s)",
            [["work\\_%", "ledger\\_%", "commerce\\_%", "audit\\_%", "tenancy\\_%", "billing\\_%"]],
        )
        owned = cursor.fetchone()[0]
    problems = []
    if superuser:
        problems.append(f"the database role {user!r} is a superuser")
    if bypass:
        problems.append(f"the database role {user!r} has BYPASSRLS")
    if owned:
        problems.append(f"the database role {user!r} owns {owned} of the application's tables")
    return problems


@register(Tags.database, deploy=True)
def database_role_check(app_configs: Any, databases: Any = None, **kwargs: Any) -> list[Error]:
    """Production must not run on a role that row-level security does not bind."""
    if not databases or not getattr(settings, "PRODUCTION", False):
        return []
    return [
        Error(
            f"Row-level security would not apply: {problem}.",
            hint="Run migrations as the owner and the application as its own role "
            "(docs/operations.md, 'PostgreSQL roles and row-level security').",
            id="backoffice.E002",
        )
        for alias in databases
        for problem in database_role_problems(alias)
    ]


# --- security settings (identity app) ------------------------------------------------------

_ONE_YEAR = 365 * 24 * 3600
_CSP_MIDDLEWARE = "backoffice.identity.csp.ContentSecurityPolicyMiddleware"
_SESSION_MIDDLEWARE = "backoffice.identity.middleware.SessionSecurityMiddleware"
_RATE_MIDDLEWARE = "backoffice.identity.middleware.RateLimitMiddleware"


def _transport_problems() -> list[Warning | Error]:
    found: list[Warning | Error] = []
    if int(getattr(settings, "SECURE_HSTS_SECONDS", 0) or 0) < _ONE_YEAR:
        found.append(
            Error("HSTS is off or shorter than a year (SECURE_HSTS_SECONDS).", id="backoffice.E010")
        )
    if not getattr(settings, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False):
        found.append(
            Warning(
                "HSTS does not cover subdomains (SECURE_HSTS_INCLUDE_SUBDOMAINS).",
                id="backoffice.W010",
            )
        )
    for name in ("SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
        if not getattr(settings, name, False):
            found.append(
                Error(
                    f"{name} is off: the cookie would travel over plain HTTP.", id="backoffice.E011"
                )
            )
    if not getattr(settings, "SESSION_COOKIE_HTTPONLY", False):
        found.append(Error("SESSION_COOKIE_HTTPONLY is off.", id="backoffice.E012"))
    return found


def _csp_problems() -> list[Warning | Error]:
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives = policy.get("DIRECTIVES") or {}
    if _CSP_MIDDLEWARE not in settings.MIDDLEWARE or not directives:
        return [
            Error(
                "No content security policy is sent (CONTENT_SECURITY_POLICY and its middleware).",
                id="backoffice.E013",
            )
        ]
    scripts = directives.get("script-src") or directives.get("default-src") or []
    if any(s in ("'unsafe-inline'", "'unsafe-eval'", "*") for s in scripts):
        return [
            Error(
                "The content security policy lets any inline or remote script run (script-src).",
                id="backoffice.E014",
            )
        ]
    if "frame-ancestors" not in directives:
        return [
            Warning(
                "The content security policy does not set frame-ancestors.", id="backoffice.W014"
            )
        ]
    return []


def _session_problems() -> list[Warning | Error]:
    found: list[Warning | Error] = []
    idle = int(getattr(settings, "SESSION_IDLE_TIMEOUT", 0) or 0)
    if _SESSION_MIDDLEWARE not in settings.MIDDLEWARE or idle <= 0:
        found.append(
            Error(
                "Idle sessions never time out (SESSION_IDLE_TIMEOUT and its middleware).",
                id="backoffice.E015",
            )
        )
    elif idle > 8 * 3600:
        found.append(
            Warning(
                f"SESSION_IDLE_TIMEOUT is {idle // 60} minutes; keep it to hours at most.",
                id="backoffice.W015",
            )
        )
    if _RATE_MIDDLEWARE not in settings.MIDDLEWARE:
        found.append(
            Error(
                "Token creation and exports are not rate limited (RateLimitMiddleware).",
                id="backoffice.E016",
            )
        )
    if not getattr(settings, "AXES_ENABLED", False):
        found.append(
            Error("Failed sign-ins are not locked out (AXES_ENABLED).", id="backoffice.E017")
        )
    if getattr(settings, "MFA_STAFF_DEFAULT", "") != "required":
        found.append(
            Error(
                "Provider staff may sign in without a second factor by default "
                "(MFA_STAFF_DEFAULT).",
                id="backoffice.E018",
            )
        )
    return found


@register(Tags.security, deploy=True)
def security_settings_check(app_configs: Any, **kwargs: Any) -> list[Warning | Error]:
    """HSTS, secure cookies, the content security policy, idle timeout, rate limits, MFA."""
    return [*_transport_problems(), *_csp_problems(), *_session_problems()]


@register(Tags.database, deploy=True)
def mfa_policy_check(app_configs: Any, databases: Any = None, **kwargs: Any) -> list[Warning]:
    """The provider's own policy row, when there is one, should require staff to use MFA."""
    if not databases:
        return []
    from django.apps import apps
    from django.db import transaction

    from backoffice.core.rls import set_rls_bypass

    policy = apps.get_model("identity", "MfaPolicy")
    try:
        with transaction.atomic():
            set_rls_bypass()
            optional = (
                policy.objects.unscoped("deploy check reads every provider policy")
                .filter(tenant__kind="provider", staff="optional")
                .exists()
            )
    except Exception:
        return []
    if optional:
        return [
            Warning(
                "The provider's policy lets its staff sign in without a second factor.",
                id="backoffice.W018",
            )
        ]
    return []
