from django.urls import path

from massar.schools import views

app_name = "schools"
urlpatterns = [
    path("schools/", views.school_list, name="school_list"),
    path("schools/export.<str:fmt>", views.school_export, name="school_export"),
    path("schools/<int:school_id>/", views.school_detail, name="school_detail"),
    path("curriculum/", views.curriculum, name="curriculum"),
    path("curriculum/add/", views.curriculum_add, name="curriculum_add"),
    path("curriculum/<int:entry_id>/", views.curriculum_entry_edit, name="curriculum_entry"),
    path("years/", views.school_years, name="school_years"),
]
