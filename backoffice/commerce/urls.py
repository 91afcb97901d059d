from django.urls import path

from backoffice.commerce import views
from backoffice.commerce.views import setup
from backoffice.commerce.views.documents import document_edit

app_name = "commerce"

P = "t/<slug:tenant>/commerce/"

urlpatterns = [
    path(P, views.index, name="index"),
    path(f"{P}parties/", views.parties, name="parties"),
    path(f"{P}parties/<int:party_id>/", views.party, name="party"),
    path(f"{P}products/", views.products, name="products"),
    path(f"{P}stock/", views.stock, name="stock"),
    path(f"{P}documents/", views.documents, name="documents"),
    path(f"{P}documents/new/", views.document_new, name="document_new"),
    path(f"{P}documents/<int:document_id>/", views.document, name="document"),
    path(
        f"{P}documents/<int:document_id>/file.<slug:fmt>",
        views.document_file,
        name="document_file",
    ),
    path(f"{P}documents/<int:document_id>/edit/", document_edit, name="document_edit"),
    path(f"{P}payments/<int:payment_id>/receipt.pdf", views.payment_pdf, name="payment_pdf"),
    path(
        f"{P}documents/<int:document_id>/<slug:action>/",
        views.document_action,
        name="document_action",
    ),
    path(f"{P}payments/", views.payments, name="payments"),
    path(f"{P}payments/<int:payment_id>/", views.payment, name="payment"),
    path(f"{P}payments/<int:payment_id>/refund/", views.payment_refund, name="payment_refund"),
    path(f"{P}reports/<slug:kind>/", views.report, name="report"),
    path(f"{P}settings/", views.settings_page, name="settings"),
    path(f"{P}setup/taxes/", setup.taxes, name="setup_taxes"),
    path(f"{P}setup/taxes/<int:tax_id>/", setup.tax_edit, name="setup_tax"),
    path(f"{P}setup/posting/", setup.posting_rules, name="setup_posting"),
    path(f"{P}setup/series/", setup.series, name="setup_series"),
]
