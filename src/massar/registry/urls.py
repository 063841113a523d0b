from django.urls import path

from massar.registry import views

app_name = "registry"
urlpatterns = [
    path("students/", views.student_search, name="student_search"),
    path("students/<int:student_id>/", views.student_detail, name="student_detail"),
    path("students/<int:student_id>/password/", views.student_password, name="student_password"),
]
