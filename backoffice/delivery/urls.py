from django.urls import path

from backoffice.delivery import views

app_name = "delivery"

_D = "t/<slug:tenant>/delivery"

urlpatterns = [
    path(f"{_D}/", views.index, name="index"),
    path(f"{_D}/exports/new/", views.export_new, name="export_new"),
    path(f"{_D}/exports/<int:export_id>/download/", views.export_download, name="export_download"),
    path(f"{_D}/webhooks/new/", views.endpoint_new, name="endpoint_new"),
    path(f"{_D}/webhooks/<int:endpoint_id>/", views.endpoint, name="endpoint"),
    path(f"{_D}/webhooks/<int:endpoint_id>/rotate/", views.endpoint_rotate, name="endpoint_rotate"),
    path(f"{_D}/deliveries/<int:delivery_id>/redeliver/", views.redeliver, name="redeliver"),
]
