"""Pages of the spaces' appointments part."""

from django.urls import path

from massar.portal import appointments_views as views

urlpatterns = [
    path("appointments/", views.appointment_list, name="appointments"),
    path("appointments/new/", views.appointment_new, name="appointment_new"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment_detail"),
    path(
        "appointments/<int:appointment_id>/accept/",
        views.appointment_accept,
        name="appointment_accept",
    ),
    path(
        "appointments/<int:appointment_id>/decline/",
        views.appointment_decline,
        name="appointment_decline",
    ),
    path(
        "appointments/<int:appointment_id>/cancel/",
        views.appointment_cancel,
        name="appointment_cancel",
    ),
]
