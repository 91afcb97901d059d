from django.urls import path

from backoffice.work.setup import views

app_name = "work_setup"

urlpatterns = [
    path("t/<slug:tenant>/setup/", views.index, name="index"),
]
