from django.urls import path

from backoffice.work import views

app_name = "work"

urlpatterns = [
    path("t/<slug:tenant>/work/", views.index, name="index"),
]
