"""Pages of the spaces' messages part: threads, attachments, the announcement board."""

from django.urls import path

from massar.portal import messages_views as views

urlpatterns = [
    path("messages/", views.thread_list, name="threads"),
    path("messages/new/", views.thread_new, name="thread_new"),
    path("messages/<int:thread_id>/", views.thread_detail, name="thread_detail"),
    path(
        "messages/attachments/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path("announcements/", views.announcement_list, name="announcements"),
    path("announcements/new/", views.announcement_new, name="announcement_new"),
    path(
        "announcements/<int:announcement_id>/delete/",
        views.announcement_delete,
        name="announcement_delete",
    ),
]
