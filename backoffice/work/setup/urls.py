"""Setting up the work engine in the UI: service types, engagements, calendars, queues."""

from django.urls import path

from backoffice.work.setup.views import calendars, engagements, index, queues, service_types

app_name = "work_setup"

urlpatterns = [
    path("t/<slug:tenant>/setup/", index.index, name="index"),
    path("t/<slug:tenant>/setup/service-types/", service_types.service_types, name="service_types"),
    path(
        "t/<slug:tenant>/setup/service-types/new/",
        service_types.service_type_new,
        name="service_type_new",
    ),
    path(
        "t/<slug:tenant>/setup/service-types/preview/",
        service_types.service_type_preview,
        name="service_type_preview",
    ),
    path(
        "t/<slug:tenant>/setup/service-types/<int:service_type_id>/",
        service_types.service_type_edit,
        name="service_type_edit",
    ),
    path("t/<slug:tenant>/setup/calendars/", calendars.calendars, name="calendars"),
    path("t/<slug:tenant>/setup/calendars/new/", calendars.calendar_new, name="calendar_new"),
    path(
        "t/<slug:tenant>/setup/calendars/preview/",
        calendars.calendar_preview,
        name="calendar_preview",
    ),
    path(
        "t/<slug:tenant>/setup/calendars/<int:calendar_id>/",
        calendars.calendar_edit,
        name="calendar_edit",
    ),
    path("t/<slug:tenant>/setup/engagements/", engagements.engagements, name="engagements"),
    path(
        "t/<slug:tenant>/setup/engagements/new/", engagements.engagement_new, name="engagement_new"
    ),
    path(
        "t/<slug:tenant>/setup/engagements/<int:engagement_id>/",
        engagements.engagement_edit,
        name="engagement_edit",
    ),
    path("t/<slug:tenant>/setup/queues/", queues.queues, name="queues"),
    path("t/<slug:tenant>/setup/queues/new/", queues.queue_new, name="queue_new"),
    path("t/<slug:tenant>/setup/queues/<int:queue_id>/", queues.queue_edit, name="queue_edit"),
]
