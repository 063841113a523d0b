"""Pages of the evaluation's reports part: report cards, their bulk print, and the public
verification page of issued documents (report cards now, school certificates later)."""

from django.urls import path

from massar.assessment import reports_views as views

urlpatterns = [
    path("report-cards/", views.report_card_classes, name="report_card_classes"),
    path("report-cards/classes/<int:class_id>/", views.report_card_class, name="report_card_class"),
    path(
        "report-cards/classes/<int:class_id>/bulk/",
        views.report_card_bulk,
        name="report_card_bulk",
    ),
    path(
        "report-cards/jobs/<int:job_id>/download/",
        views.report_card_bulk_download,
        name="report_card_bulk_download",
    ),
    path(
        "report-cards/students/<int:student_id>/<str:period>/",
        views.report_card_pdf,
        name="report_card_pdf",
    ),
    path("verify/", views.verify_form, name="verify"),
    path("verify/<str:code>/", views.verify_code, name="verify_code"),
]
