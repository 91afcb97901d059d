"""Workforce pages: today's agents and my state, the schedule editor, adherence, time."""

from backoffice.workforce.views.overview import index, set_my_state
from backoffice.workforce.views.planning import deadlines, staffing
from backoffice.workforce.views.reports import adherence, time_figures
from backoffice.workforce.views.schedule import (
    assign,
    copy_week,
    schedule,
    shift_edit,
    shift_new,
)

__all__ = [
    "adherence",
    "assign",
    "copy_week",
    "deadlines",
    "index",
    "schedule",
    "set_my_state",
    "shift_edit",
    "shift_new",
    "staffing",
    "time_figures",
]
