"""Pages of the evaluation's results part."""

from django.urls import path

from massar.assessment import results_views as views

urlpatterns = [
    path("results/", views.results_home, name="results_home"),
    path("results/compute/", views.results_start, name="results_start"),
    path("results/classes/<int:class_id>/", views.results_class, name="results_class"),
]
