from django.urls import path

from backoffice.portal.projects import views

_P = "t/<slug:tenant>/portal"

urlpatterns = [
    path(f"{_P}/projects/", views.projects, name="projects"),
    path(f"{_P}/projects/new/", views.project_new, name="project_new"),
    path(f"{_P}/requests/", views.requests, name="requests"),
    path(f"{_P}/standard-rates/", views.rates, name="rates"),
    path(f"{_P}/requests/<int:request_id>/", views.project_request, name="request"),
    path(f"{_P}/requests/<int:request_id>/act/", views.request_action, name="request_action"),
    path(f"{_P}/requests/<int:request_id>/quote/", views.quote_edit, name="quote_edit"),
    path(f"{_P}/requests/<int:request_id>/samples/", views.sample_add, name="sample_add"),
    path(f"{_P}/requests/<int:request_id>/thread/", views.request_thread, name="request_thread"),
    path(
        f"{_P}/requests/<int:request_id>/samples/<int:sample_id>/",
        views.sample,
        name="sample",
    ),
]
