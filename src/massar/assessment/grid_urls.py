"""Pages of the evaluation's grid part: grade books, the grid, validation, corrections,
history and deadlines."""

from django.urls import path

from massar.assessment import grid_views as views

BOOK = "evaluation/grades/<int:class_id>/<int:subject_id>/<int:semester>/"

urlpatterns = [
    path("evaluation/grades/", views.grade_books, name="grade_books"),
    path("evaluation/grades/deadlines/", views.grid_deadlines, name="grid_deadlines"),
    path(BOOK, views.grid, name="grid"),
    path(f"{BOOK}validate/", views.grid_validate, name="grid_validate"),
    path(f"{BOOK}correct/", views.grid_correct, name="grid_correct"),
    path(f"{BOOK}history/", views.grid_history, name="grid_history"),
    path(
        f"{BOOK}history/<int:student_id>/<int:test>/",
        views.grid_mark_history,
        name="grid_mark_history",
    ),
]
