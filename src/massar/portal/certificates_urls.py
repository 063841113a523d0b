"""Pages of the spaces' certificates part."""

from django.urls import path

from massar.portal import certificates_views as views

urlpatterns = [
    path("certificates/", views.certificate_list, name="certificates"),
    path("certificates/new/", views.certificate_new, name="certificate_new"),
    path("certificates/desk/", views.certificate_desk, name="certificate_desk"),
    path("certificates/settings/", views.certificate_settings, name="certificate_settings"),
    path("certificates/<int:certificate_id>/", views.certificate_detail, name="certificate_detail"),
    path(
        "certificates/<int:certificate_id>/approve/",
        views.certificate_approve,
        name="certificate_approve",
    ),
    path(
        "certificates/<int:certificate_id>/refuse/",
        views.certificate_refuse,
        name="certificate_refuse",
    ),
    path("certificates/<int:certificate_id>/pdf/", views.certificate_pdf, name="certificate_pdf"),
]
