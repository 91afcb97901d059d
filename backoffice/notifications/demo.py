"""The demo's notifications data: email preferences for the Acme people.

The demo sends no real mail: run it with Django's console or locmem email backend (the
default SMTP backend would try localhost:25); see docs/email.md.
"""

from backoffice.notifications.models import Kind, Mode, Preference
from backoffice.tenancy.demo import DemoContext

PREFERENCES = {
    "acme-admin": Mode.DIGEST,
    "acme-user": Mode.IMMEDIATELY,
}


def seed(ctx: DemoContext) -> None:
    acme = next(c for c in ctx.clients if c.slug == "acme-insurance")
    for username, mode in PREFERENCES.items():
        user = ctx.users[username]
        for kind in Kind.values:
            Preference.objects.for_tenant(acme).update_or_create(
                tenant=acme, user=user, kind=kind, defaults={"mode": mode}
            )
