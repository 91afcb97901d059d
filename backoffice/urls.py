from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from backoffice.core import health
from backoffice.core.metrics import metrics_view
from backoffice.site.api import api
from backoffice.web import auth_views as web_auth
from backoffice.web import views as web_views

admin.site.site_header = "Backoffice administration"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("login/", web_auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", web_auth.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        RedirectView.as_view(pattern_name="web:account"),
        name="password_change_done",
    ),
    path("", web_views.home, name="home"),
    path("switch/", web_views.switch_tenant, name="switch_tenant"),
    path("", include("backoffice.web.urls")),
    path("", include("backoffice.ledger.urls")),
    path("", include("backoffice.work.urls")),
    path("", include("backoffice.commerce.urls")),
    path("", include("backoffice.work.setup.urls")),
    path("", include("backoffice.billing.urls")),
    path("", include("backoffice.conversations.urls")),
    path("", include("backoffice.notifications.urls")),
    path("", include("backoffice.delivery.urls")),
    path("", include("backoffice.identity.urls")),
    path("", include("backoffice.portal.urls")),
    path("", include("backoffice.workforce.urls")),
    path("", include("backoffice.privacy.urls")),
    path("", include("backoffice.reports.urls")),
    path("", include("backoffice.vault.urls")),
    path("api/<path:rest>", web_views.not_found),
]

handler400 = "backoffice.web.views.bad_request"
handler403 = "backoffice.web.views.forbidden"
handler404 = "backoffice.web.views.not_found"
handler500 = "backoffice.web.views.server_error"
