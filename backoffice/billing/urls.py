from django.urls import path

from backoffice.billing import views

app_name = "billing"

_B = "t/<slug:tenant>/billing"

urlpatterns = [
    path(f"{_B}/", views.index, name="index"),
    path(f"{_B}/estimate/", views.estimate, name="estimate"),
    path(f"{_B}/contracts/new/", views.contract_new, name="contract_new"),
    path(f"{_B}/contracts/<int:contract_id>/", views.contract, name="contract"),
    path(f"{_B}/contracts/<int:contract_id>/versions/new/", views.version_new, name="version_new"),
    path(
        f"{_B}/contracts/<int:contract_id>/versions/<int:version_id>/end/",
        views.version_end,
        name="version_end",
    ),
    path(f"{_B}/runs/", views.runs, name="runs"),
    path(f"{_B}/runs/<int:run_id>/", views.run, name="run"),
    path(f"{_B}/runs/<int:run_id>/progress/", views.run_progress, name="run_progress"),
    path(f"{_B}/runs/<int:run_id>/continue/", views.run_continue, name="run_continue"),
    path(f"{_B}/invoices/", views.invoices, name="invoices"),
    path(f"{_B}/invoices/<int:invoice_id>/", views.invoice, name="invoice"),
    path(f"{_B}/invoices/<int:invoice_id>/act/", views.invoice_action, name="invoice_action"),
    path(
        f"{_B}/invoices/<int:invoice_id>/lines/<int:line_id>/",
        views.invoice_line,
        name="invoice_line",
    ),
    path(
        f"{_B}/invoices/<int:invoice_id>/statement.<str:fmt>",
        views.statement_export,
        name="statement_export",
    ),
]
