"""Sign-in that answers a failed attempt with a 400 page (axes answers a lockout with 429)."""

from django.contrib.auth import views as auth_views
from django.http import HttpResponse


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def form_invalid(self, form) -> HttpResponse:  # type: ignore[no-untyped-def]
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = "/password/done/"

    def form_invalid(self, form) -> HttpResponse:  # type: ignore[no-untyped-def]
        response = super().form_invalid(form)
        response.status_code = 400
        return response
