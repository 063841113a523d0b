"""Pages of the evaluation's council part: class councils, publication of results, exports."""

from django.urls import path

from massar.assessment import council_views as views

urlpatterns = [
    path("councils/", views.council_list, name="council_list"),
    path("councils/<int:class_id>/", views.council_detail, name="council_detail"),
    path("councils/<int:class_id>/threshold/", views.council_threshold, name="council_threshold"),
    path("councils/<int:class_id>/override/", views.council_override, name="council_override"),
    path(
        "councils/<int:class_id>/override/clear/",
        views.council_override_clear,
        name="council_override_clear",
    ),
    path("councils/<int:class_id>/validate/", views.council_validate, name="council_validate"),
    path("councils/<int:class_id>/reopen/", views.council_reopen, name="council_reopen"),
    path("publications/", views.publication_list, name="publication_list"),
    path("publications/publish/", views.publication_publish, name="publication_publish"),
    path("publications/withdraw/", views.publication_withdraw, name="publication_withdraw"),
    path("evaluation-exports/", views.export_page, name="export_page"),
    path("evaluation-exports/<str:kind>.csv", views.export_download, name="export_download"),
]
