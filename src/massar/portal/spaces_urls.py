"""Pages of the spaces' spaces part: the student and guardian space (?child=<id> switches
between a guardian's children), the teacher's space, guardian activation codes. The results
page (/space/marks/) is the results-day part's (results_day_urls), read from its cache."""

from django.urls import path

from massar.portal import spaces_views as views

urlpatterns = [
    path("space/", views.space_home, name="space_home"),
    path("space/recovery/", views.space_recovery, name="space_recovery"),
    path("space/teacher/", views.teacher_space, name="teacher_space"),
    path("space/activate/", views.guardian_activation, name="guardian_activation"),
    path("space/activation-codes/", views.activation_classes, name="activation_classes"),
    path(
        "space/activation-codes/<int:class_id>/",
        views.activation_class,
        name="activation_class",
    ),
]
