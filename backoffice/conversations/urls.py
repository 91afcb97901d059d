from django.urls import path

from backoffice.conversations import views

app_name = "conversations"

_C = "t/<slug:tenant>/conversations"

urlpatterns = [
    path(f"{_C}/", views.inbox, name="inbox"),
    path(f"{_C}/new/", views.new_account_thread, name="new"),
    path(f"{_C}/threads/<int:thread_id>/", views.thread, name="thread"),
    path(f"{_C}/threads/<int:thread_id>/new-messages/", views.thread_poll, name="thread_poll"),
    path(f"{_C}/about/<str:kind>/<int:subject_id>/", views.subject, name="subject"),
    path(f"{_C}/files/<int:attachment_id>/", views.attachment, name="attachment"),
]
