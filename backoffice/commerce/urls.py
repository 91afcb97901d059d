from django.urls import path

from backoffice.commerce import views

app_name = "commerce"

urlpatterns = [path("t/<slug:tenant>/commerce/", views.index, name="index")]
