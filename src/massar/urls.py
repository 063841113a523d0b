from functools import partial

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from ninja.openapi.views import openapi_view

from massar.api import api
from massar.core.admin import site as admin_site

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("i18n/catalog.js", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin_site.urls),
    path("api/v1/", api.urls),
    path("api/docs", partial(openapi_view, api=api), name="api-docs"),
    path("", include("massar.schools.urls")),
    path("", include("massar.staff.urls")),
    path("", include("massar.enrollment.urls")),
    path("", include("massar.enrollment.formation_urls")),
    path("", include("massar.enrollment.transfer_urls")),
    path("", include("massar.enrollment.provisioning_urls")),
    path("", include("massar.registry.urls")),
    path("", include("massar.assessment.urls")),
    path("", include("massar.portal.urls")),
    path("", include("massar.core.urls")),
]
