"""Sign-in and the signed-in person's own account page (name, time zone, password), in the
product's look: Django admin's `registration/` templates come first in the template path,
so these views name their own templates.

A failed sign-in or form answers 400 (axes answers a lockout with 429); a form that fails
shows its errors beside the fields and keeps what was typed (never the passwords)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from backoffice.core.dates import available_zones, local_text, zone_problem
from backoffice.identity import signin
from backoffice.tenancy.models import User

ACCOUNT_TEMPLATE = "web/account.html"


class LoginView(auth_views.LoginView):
    """The password step. A right password does not sign in by itself: `identity.signin.begin`
    signs in, or first asks for the second factor (or its set-up) the account needs."""

    redirect_authenticated_user = True

    def form_valid(self, form) -> HttpResponse:  # type: ignore[no-untyped-def]
        user = form.get_user()
        return signin.begin(
            self.request,
            user,
            backend=getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
            method="password",
            next_url=self.get_redirect_url(),
        )

    def form_invalid(self, form) -> HttpResponse:  # type: ignore[no-untyped-def]
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class ProfileForm(forms.ModelForm):
    """What a person may change about themselves: how they are named and their clock."""

    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        help_text="Times on every page are shown in this zone.",
    )

    class Meta:
        model = User
        fields = ["display_name", "email", "timezone"]
        labels = {"display_name": "Name shown to others", "email": "Email"}

    def clean_timezone(self) -> str:
        name = self.cleaned_data["timezone"].strip()
        problem = zone_problem(name)
        if problem:
            raise forms.ValidationError(problem.capitalize() + ".")
        return name


def _account_context(
    request: HttpRequest,
    *,
    profile_form: ProfileForm | None = None,
    password_form: PasswordChangeForm | None = None,
) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "profile_form": profile_form or ProfileForm(instance=request.user),
        "form": password_form or PasswordChangeForm(request.user),  # type: ignore[arg-type]
        "zones": available_zones(),
        "now_here": local_text(timezone.now()),
    }


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = ACCOUNT_TEMPLATE
    success_url = reverse_lazy("web:account")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        return {**_account_context(self.request, password_form=context["form"]), **context}

    def form_valid(self, form) -> HttpResponse:  # type: ignore[no-untyped-def]
        messages.success(self.request, "Password changed.")
        return super().form_valid(form)

    def form_invalid(self, form) -> HttpResponse:  # type: ignore[no-untyped-def]
        response = super().form_invalid(form)
        response.status_code = 400
        return response


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The person's profile: name, email and the time zone every page is shown in."""
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            form.save()
            messages.success(request, "Profile saved.")
            return redirect("web:account")
        context = _account_context(request, profile_form=form)
        return render(request, ACCOUNT_TEMPLATE, context, status=400)
    return render(request, ACCOUNT_TEMPLATE, _account_context(request))
