from anymail import urls as anymail_urls
from django.urls import URLPattern, include, path

from backoffice.notifications import views

app_name = "notifications"

_N = "t/<slug:tenant>/notifications"


# SendGrid's view reads the raw body after the form; our input middleware has read the
# multipart form by then (and anymail dropped SendGrid support): not offered.
_LEFT_OUT = {"sendgrid_inbound_webhook"}


def _inbound_webhooks() -> list[URLPattern]:
    """django-anymail's inbound views (one per mail provider) under notifications/inbound/,
    named as anymail names them: `notifications:mailgun_inbound_webhook`, ..."""
    found = []
    for pattern in anymail_urls.urlpatterns:
        if not isinstance(pattern, URLPattern) or pattern.name in _LEFT_OUT:
            continue
        if (pattern.name or "").endswith("_inbound_webhook"):
            wrapped = views.guarded_webhook(pattern.callback)
            found.append(URLPattern(pattern.pattern, wrapped, name=pattern.name))
    return found


urlpatterns = [
    path(f"{_N}/preferences/", views.preferences, name="preferences"),
    path(f"{_N}/sent/", views.outbound, name="outbound"),
    path("notifications/inbound/", include(_inbound_webhooks())),
]
