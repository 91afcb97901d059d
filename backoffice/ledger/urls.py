from django.urls import path

from backoffice.ledger import views

app_name = "ledger"

urlpatterns = [
    path("t/<slug:tenant>/ledger/", views.index, name="index"),
]
