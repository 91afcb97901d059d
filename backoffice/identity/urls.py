from django.urls import path

from backoffice.identity.views import passwordless, policy, reauth, reviews, security, signin, sso

app_name = "identity"

urlpatterns = [
    path("login/verify/", signin.verify, name="verify"),
    path("login/enrol/", signin.enrol_required, name="enrol_required"),
    path("login/passkey/", signin.passkey_challenge, name="passkey_challenge"),
    path("login/passkey-only/", passwordless.passwordless, name="passwordless"),
    path(
        "login/passkey-only/options/",
        passwordless.passwordless_options,
        name="passwordless_options",
    ),
    path("login/sso/", sso.sso_start, name="sso_start"),
    path("login/sso/callback/", sso.sso_callback, name="sso_callback"),
    path("login/sso/<slug:tenant>/", sso.sso_start_organization, name="sso_start_organization"),
    path("account/confirm/", reauth.reauth, name="reauth"),
    path("account/security/", security.security, name="security"),
    path("account/security/app/", security.totp_setup, name="totp_setup"),
    path("account/security/app/remove/", security.totp_remove, name="totp_remove"),
    path("account/security/codes/", security.recovery_codes, name="recovery_codes"),
    path("account/security/codes/new/", security.recovery_regenerate, name="recovery_regenerate"),
    path("account/security/passkeys/options/", security.passkey_options, name="passkey_options"),
    path("account/security/passkeys/", security.passkey_add, name="passkey_add"),
    path(
        "account/security/passkeys/<int:passkey_id>/remove/",
        security.passkey_remove,
        name="passkey_remove",
    ),
    path(
        "account/security/sessions/<int:session_id>/end/",
        security.session_end,
        name="session_end",
    ),
    path(
        "account/security/sessions/end-others/",
        security.sessions_end_others,
        name="sessions_end_others",
    ),
    path("t/<slug:tenant>/identity/policy/", policy.policy, name="policy"),
    path("t/<slug:tenant>/identity/sso/", sso.sso_settings, name="sso_settings"),
    path("t/<slug:tenant>/identity/access-reviews/", reviews.reviews, name="access_reviews"),
    path(
        "t/<slug:tenant>/identity/access-reviews/<int:review_id>/",
        reviews.review_detail,
        name="access_review",
    ),
]
