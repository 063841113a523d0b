"""Pages of the spaces' results_day part: the results page, and its former address."""

from django.urls import path
from django.views.generic import RedirectView

from massar.portal import results_day_views as views

urlpatterns = [
    path("space/marks/", views.results_page, name="space_marks"),
    # the former results page: one results page now (a guardian's ?child= is kept)
    path(
        "space/results/",
        RedirectView.as_view(pattern_name="portal:space_marks", permanent=True, query_string=True),
        name="results",
    ),
]
