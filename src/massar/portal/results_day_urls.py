"""Pages of the spaces' results_day part."""

from django.urls import path

from massar.portal import results_day_views as views

urlpatterns = [
    path("space/results/", views.results_page, name="results"),
]
