"""Pages of the student accounts, class by class (included at the site root)."""

from django.urls import path

from massar.enrollment import provisioning

app_name = "class_accounts"
urlpatterns = [
    path("student-accounts/", provisioning.class_list, name="class_list"),
    path("student-accounts/<int:class_id>/", provisioning.class_accounts, name="class_accounts"),
]
