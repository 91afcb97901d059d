from django.urls import path

from backoffice.workforce import views

app_name = "workforce"

_W = "t/<slug:tenant>/workforce"

urlpatterns = [
    path(f"{_W}/", views.index, name="index"),
    path(f"{_W}/state/", views.set_my_state, name="state"),
    path(f"{_W}/schedule/", views.schedule, name="schedule"),
    path(f"{_W}/schedule/copy/", views.copy_week, name="copy_week"),
    path(f"{_W}/shifts/new/", views.shift_new, name="shift_new"),
    path(f"{_W}/shifts/<int:shift_id>/", views.shift_edit, name="shift"),
    path(f"{_W}/templates/", views.assign, name="assign"),
    path(f"{_W}/adherence/", views.adherence, name="adherence"),
    path(f"{_W}/time/", views.time_figures, name="time"),
    path(f"{_W}/staffing/", views.staffing, name="staffing"),
    path(f"{_W}/deadlines/", views.deadlines, name="deadlines"),
]
