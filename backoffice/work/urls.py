from django.urls import path

from backoffice.work import views

app_name = "work"

urlpatterns = [
    path("t/<slug:tenant>/work/", views.index, name="index"),
    path("t/<slug:tenant>/work/items/", views.item_list, name="items"),
    path("t/<slug:tenant>/work/next/", views.next_item, name="next"),
    path("t/<slug:tenant>/work/backlog/", views.backlog, name="backlog"),
    path("t/<slug:tenant>/work/qa/", views.qa_queue, name="qa"),
    path("t/<slug:tenant>/work/qa/<int:item_id>/", views.qa_review, name="qa_review"),
    path(
        "t/<slug:tenant>/work/qa/<int:item_id>/adjudicate/",
        views.adjudicate,
        name="adjudicate",
    ),
    path("t/<slug:tenant>/work/accuracy/", views.accuracy, name="accuracy"),
    path("t/<slug:tenant>/work/handle-time/", views.handle_time, name="handle_time"),
    path("t/<slug:tenant>/work/items/<int:item_id>/", views.item_detail, name="item"),
    path("t/<slug:tenant>/work/items/<int:item_id>/act/", views.item_action, name="item_action"),
    path(
        "t/<slug:tenant>/work/items/<int:item_id>/files/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path(
        "t/<slug:tenant>/work/items/<int:item_id>/files/<int:attachment_id>/pages/<int:page>/",
        views.items.attachment_page,
        name="attachment_page",
    ),
    path(
        "t/<slug:tenant>/work/engagements/<int:engagement_id>/submit/",
        views.submit,
        name="submit",
    ),
]
