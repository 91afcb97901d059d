from django.urls import path

from backoffice.billing import views

app_name = "billing"

urlpatterns = [
    path("t/<slug:tenant>/billing/", views.index, name="index"),
]
