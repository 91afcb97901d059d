from django.urls import path

from backoffice.portal.dashboard import views

_P = "t/<slug:tenant>/portal/dashboard"

urlpatterns = [
    path(f"{_P}/", views.dashboard, name="dashboard"),
    path(f"{_P}/figures/", views.dashboard_figures, name="dashboard_figures"),
    path(f"{_P}/money/", views.dashboard_money, name="dashboard_money"),
    path(f"{_P}/items/", views.dashboard_items, name="dashboard_items"),
    path(
        f"{_P}/invoices/<int:invoice_id>/invoice.<slug:fmt>",
        views.invoice_file,
        name="invoice_file",
    ),
]
