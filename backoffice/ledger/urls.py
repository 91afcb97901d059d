from django.urls import path

from backoffice.ledger import views

app_name = "ledger"

urlpatterns = [
    path("t/<slug:tenant>/ledger/", views.index, name="index"),
    path("t/<slug:tenant>/ledger/entries/", views.entries, name="entries"),
    path("t/<slug:tenant>/ledger/entries/new/", views.entry_new, name="entry_new"),
    path("t/<slug:tenant>/ledger/entries/<int:entry_id>/", views.entry_detail, name="entry"),
    path(
        "t/<slug:tenant>/ledger/entries/<int:entry_id>/reverse/",
        views.entry_reverse,
        name="entry_reverse",
    ),
    path("t/<slug:tenant>/ledger/accounts/new/", views.account_new, name="account_new"),
    path("t/<slug:tenant>/ledger/accounts/<int:account_id>/", views.account, name="account"),
    path(
        "t/<slug:tenant>/ledger/accounts/<int:account_id>/edit/",
        views.account_edit,
        name="account_edit",
    ),
    path("t/<slug:tenant>/ledger/reports/<slug:kind>/", views.report, name="report"),
    path("t/<slug:tenant>/ledger/periods/", views.periods, name="periods"),
    path("t/<slug:tenant>/ledger/rates/", views.rates, name="rates"),
    path(
        "t/<slug:tenant>/ledger/periods/<int:period_id>/<str:action>/",
        views.period_lock,
        name="period_lock",
    ),
]
