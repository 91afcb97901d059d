from django.urls import path

from backoffice.reports import views

app_name = "reports"

urlpatterns = [
    path("t/<slug:tenant>/reports/", views.index, name="index"),
]
