from django.urls import path

from backoffice.reports import views

app_name = "reports"

urlpatterns = [
    path("t/<slug:tenant>/reports/", views.index, name="index"),
    path("t/<slug:tenant>/reports/<slug:kind>/", views.report, name="report"),
]
