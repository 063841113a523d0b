"""Pages of the evaluation's certification part: exam sessions, candidates, exam marks,
results, and the grading policy's pages (policy_views)."""

from django.urls import path

from massar.assessment import certification_views as views
from massar.assessment import policy_views

urlpatterns = [
    path("policies/", policy_views.policy_list, name="policy_list"),
    path("policies/<str:level_code>/", policy_views.policy_edit, name="policy_edit"),
    path("exams/", views.exam_list, name="exam_list"),
    path("exams/new/", views.exam_new, name="exam_new"),
    path("exams/results/", views.exam_results, name="exam_results"),
    path("exams/results/compute/", views.exam_results_compute, name="exam_results_compute"),
    path("exams/candidates/<int:candidate_id>/", views.exam_candidate, name="exam_candidate"),
    path("exams/<int:session_id>/", views.exam_detail, name="exam_detail"),
    path("exams/<int:session_id>/subjects/", views.exam_subjects, name="exam_subjects"),
    path("exams/<int:session_id>/register/", views.exam_register, name="exam_register"),
    path("exams/<int:session_id>/free/", views.exam_free_candidate, name="exam_free_candidate"),
    path("exams/<int:session_id>/marks/", views.exam_marks, name="exam_marks"),
    path("exams/<int:session_id>/import/", views.exam_import, name="exam_import"),
]
