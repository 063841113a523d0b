"""The evaluation's pages, one URL module per part."""

from django.urls import include, path

app_name = "assessment"
urlpatterns = [
    path("", include("massar.assessment.grid_urls")),
    path("", include("massar.assessment.sheets_urls")),
    path("", include("massar.assessment.results_urls")),
    path("", include("massar.assessment.council_urls")),
    path("", include("massar.assessment.calendar_urls")),
    path("", include("massar.assessment.certification_urls")),
    path("", include("massar.assessment.reports_urls")),
]
