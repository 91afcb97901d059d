from django.urls import path

from backoffice.privacy import views

app_name = "privacy"

urlpatterns = [
    path("t/<slug:tenant>/privacy/", views.index, name="index"),
]
