"""Pages of the evaluation's sheets part: Massar grade sheets (download, upload)."""

from django.urls import path

from massar.assessment import sheets_views as views

BOOK = "evaluation/sheets/<int:class_id>/<int:subject_id>/<int:semester>/"

urlpatterns = [
    path("evaluation/sheets/", views.sheet_list, name="sheet_list"),
    path(
        BOOK,
        views.sheet_upload,
        name="sheet_upload",
    ),
    path(
        BOOK + "sheet.xlsx",
        views.sheet_download,
        name="sheet_download",
    ),
]
