from django.urls import path

from massar.staff import views

app_name = "staff"
urlpatterns = [
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/export.<str:fmt>", views.staff_export, name="staff_export"),
    path("staff/accounts/", views.staff_accounts, name="staff_accounts"),
    path("staff/<int:staff_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:staff_id>/attach/", views.staff_attach, name="staff_attach"),
    path("staff/<int:staff_id>/detach/", views.staff_detach, name="staff_detach"),
]
