"""Pages of the evaluation's calendar part."""

from django.urls import path

from massar.assessment import calendar_views as views

urlpatterns = [
    path("evaluation/calendar/", views.calendar, name="calendar"),
    path("evaluation/calendar/new/", views.calendar_new, name="calendar_new"),
    path("evaluation/calendar/<int:test_id>/move/", views.calendar_move, name="calendar_move"),
    path(
        "evaluation/calendar/<int:test_id>/cancel/", views.calendar_cancel, name="calendar_cancel"
    ),
    path("evaluation/tests/", views.upcoming, name="upcoming_tests"),
]
