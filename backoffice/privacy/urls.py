from django.urls import path

from backoffice.privacy import views

app_name = "privacy"
_P = "t/<slug:tenant>/privacy"

urlpatterns = [
    path(f"{_P}/", views.index, name="index"),
    path(f"{_P}/rules/", views.rule_save, name="rule_save"),
    path(f"{_P}/rules/<int:rule_id>/remove/", views.rule_remove, name="rule_remove"),
    path(f"{_P}/holds/", views.hold_place, name="hold_place"),
    path(f"{_P}/holds/<int:hold_id>/release/", views.hold_release, name="hold_release"),
    path(f"{_P}/requests/", views.request_create, name="request_create"),
    path(f"{_P}/requests/<int:request_id>/decide/", views.request_decide, name="request_decide"),
    path(f"{_P}/requests/<int:request_id>/export/", views.request_export, name="request_export"),
    path(f"{_P}/offboarding/", views.offboard_start, name="offboard_start"),
    path(f"{_P}/offboarding/<int:job_id>/", views.offboarding, name="offboarding"),
    path(
        f"{_P}/offboarding/<int:job_id>/progress/",
        views.offboarding_progress,
        name="offboarding_progress",
    ),
    path(
        f"{_P}/offboarding/<int:job_id>/certificate.json",
        views.offboarding_certificate,
        name="offboarding_certificate",
    ),
    path(
        f"{_P}/offboarding/<int:job_id>/archive/",
        views.offboarding_archive,
        name="offboarding_archive",
    ),
]
