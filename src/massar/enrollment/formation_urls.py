from django.urls import path

from massar.enrollment import formation_views as views

app_name = "formation"
# Order matters: fixed words and class ids come before the level code (1AC, TC, 2BAC …).
urlpatterns = [
    path("classes/", views.structure, name="structure"),
    path("classes/declare/", views.declare, name="declare"),
    path("classes/pairs/<int:pair_id>/delete/", views.pair_delete, name="pair_delete"),
    path("classes/<int:class_id>/", views.class_detail, name="class_detail"),
    path("classes/<int:class_id>/edit/", views.class_edit, name="class_edit"),
    path("classes/<int:class_id>/delete/", views.class_delete, name="class_delete"),
    path("classes/<str:level>/", views.level_page, name="level"),
    path("classes/<str:level>/assign/", views.assign, name="assign"),
    path("classes/<str:level>/confirm/", views.confirm, name="confirm"),
    path("classes/<str:level>/pairs/", views.pair_create, name="pair_create"),
]
