"""The spaces' pages, one URL module per part."""

from django.urls import include, path

app_name = "portal"
urlpatterns = [
    path("", include("massar.portal.spaces_urls")),
    path("", include("massar.portal.certificates_urls")),
    path("", include("massar.portal.appointments_urls")),
    path("", include("massar.portal.messages_urls")),
    path("", include("massar.portal.results_day_urls")),
]
