from django.urls import path

from backoffice.web import auth_views, clients, views

app_name = "web"

urlpatterns = [
    path("t/<slug:tenant>/", views.dashboard, name="dashboard"),
    path("t/<slug:tenant>/members/", views.members, name="members"),
    path("t/<slug:tenant>/tokens/", views.tokens, name="tokens"),
    path("t/<slug:tenant>/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("t/<slug:tenant>/audit/", views.audit_log, name="audit"),
    path("t/<slug:tenant>/audit/<int:event_id>/", views.audit_event, name="audit_event"),
    path("t/<slug:tenant>/clients/", clients.clients, name="clients"),
    path("t/<slug:tenant>/clients/<int:client_id>/", clients.client, name="client"),
    path("t/<slug:tenant>/audit/verify/", views.audit_verify, name="audit_verify"),
    path("account/", auth_views.account, name="account"),
]
