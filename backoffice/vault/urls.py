from django.urls import path

from backoffice.vault import views

app_name = "vault"

_V = "t/<slug:tenant>/vault"

urlpatterns = [
    path(f"{_V}/", views.index, name="index"),
    path(f"{_V}/organizations/<int:org_id>/rotate/", views.rotate, name="rotate"),
    path(f"{_V}/organizations/<int:org_id>/destroy/", views.destroy, name="destroy"),
    path(f"{_V}/rotations/<int:job_id>/", views.job, name="job"),
    path(f"{_V}/rotations/<int:job_id>/progress/", views.job_progress, name="job_progress"),
]
