from django.urls import path

from massar.enrollment import views

app_name = "enrollment"
urlpatterns = [
    path("imports/students/", views.import_students, name="import_students"),
    path("imports/students/template.<str:fmt>", views.import_template, name="import_template"),
    path("imports/<int:batch_id>/", views.import_detail, name="import_detail"),
    path("imports/<int:batch_id>/load/", views.import_load, name="import_load"),
    path("imports/<int:batch_id>/accept-new/", views.import_accept_new, name="import_accept_new"),
    path("students/export.<str:fmt>", views.student_export, name="student_export"),
    path("students/register/", views.student_register, name="student_register"),
]
