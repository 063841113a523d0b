from django.urls import path

from massar.enrollment import rentree_views, views

app_name = "enrollment"
urlpatterns = [
    path("imports/students/", views.import_students, name="import_students"),
    path("imports/students/template.<str:fmt>", views.import_template, name="import_template"),
    path("imports/<int:batch_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:batch_id>/load/", views.import_load, name="import_load"),
    path("imports/<int:batch_id>/accept-new/", views.import_accept_new, name="import_accept_new"),
    path("students/export.<str:fmt>", views.student_export, name="student_export"),
    path("students/register/", views.student_register, name="student_register"),
    path("rentree/", rentree_views.rentree, name="rentree"),
    path("rentree/confirm/", rentree_views.rentree_confirm, name="rentree_confirm"),
    path(
        "enrollments/<int:enrollment_id>/",
        rentree_views.enrollment_detail,
        name="enrollment_detail",
    ),
    path(
        "enrollments/<int:enrollment_id>/decision/",
        rentree_views.enrollment_decision,
        name="enrollment_decision",
    ),
    path(
        "enrollments/<int:enrollment_id>/end/", rentree_views.enrollment_end, name="enrollment_end"
    ),
    path("assignments/", rentree_views.assignment_page, name="assignments"),
    path("assignments/save/", rentree_views.assignment_save, name="assignment_save"),
    path(
        "assignments/<int:assignment_id>/remove/",
        rentree_views.assignment_remove,
        name="assignment_remove",
    ),
]
