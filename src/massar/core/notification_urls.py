"""Routes of the notifications page, included in core's namespace."""

from django.urls import path

from massar.core import notification_views as views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification_read",
    ),
    path("notifications/badge/", views.notifications_badge, name="notifications_badge"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
]
