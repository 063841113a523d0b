from django.urls import path

from massar.enrollment import transfer_views as views

app_name = "transfer"
urlpatterns = [
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/export.<str:fmt>", views.transfer_export, name="transfer_export"),
    path("transfers/new/", views.transfer_new, name="transfer_new"),
    path("transfers/mobility/", views.mobility, name="mobility"),
    path("transfers/<int:transfer_id>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:transfer_id>/release/", views.transfer_release, name="transfer_release"),
    path("transfers/<int:transfer_id>/accept/", views.transfer_accept, name="transfer_accept"),
    path("transfers/<int:transfer_id>/refuse/", views.transfer_refuse, name="transfer_refuse"),
    path("transfers/<int:transfer_id>/cancel/", views.transfer_cancel, name="transfer_cancel"),
]
