"""The API: one django-ninja router per app, mounted at /api/v1/, OpenAPI at /api/docs.

Errors are JSON {"code": stable identifier, "message": translated sentence}.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from massar.assessment.api import ROUTERS as assessment_routers
from massar.assessment.grades import GradeError
from massar.core.api import router as core_router
from massar.core.services import AccountError, api_token_user
from massar.enrollment.api import router as enrollment_router
from massar.enrollment.formation_api import router as formation_router
from massar.enrollment.provisioning import router as provisioning_router
from massar.enrollment.rentree import RentreeError
from massar.enrollment.services import EnrollmentError
from massar.enrollment.transfer_api import router as transfer_router
from massar.portal.api import ROUTERS as portal_routers
from massar.portal.appointments_services import AppointmentError
from massar.portal.certificates_services import CertificateError
from massar.portal.messages_services import MessageError
from massar.portal.spaces_services import SpaceError
from massar.registry.api import router as registry_router
from massar.registry.services import RegistryError
from massar.schools.api import router as schools_router
from massar.schools.services import SchoolsError
from massar.staff.api import router as staff_router


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class TokenHeaderAuth(APIKeyHeader):
    param_name = "X-Api-Token"

    def authenticate(self, request, key):
        return TokenAuth().authenticate(request, key) if key else None


api = NinjaAPI(
    title="Massar API",
    version="1",
    urls_namespace="api",
    auth=[django_auth, TokenAuth(), TokenHeaderAuth()],
    docs_url="/docs",
)


def _error(request, code: str, message: str, status: int, **extra):
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(AccountError)
def on_account_error(request, exc: AccountError):
    return _error(request, exc.code, exc.message, exc.status)


@api.exception_handler(RegistryError)
def on_registry_error(request, exc: RegistryError):
    return _error(request, exc.code, exc.message, 409 if exc.code == "likely_duplicate" else 400)


@api.exception_handler(EnrollmentError)
def on_enrollment_error(request, exc: EnrollmentError):
    return _error(request, exc.code, exc.message, 409)


@api.exception_handler(SchoolsError)
def on_schools_error(request, exc: SchoolsError):
    return _error(request, exc.code, exc.message, 400)


@api.exception_handler(GradeError)
def on_grade_error(request, exc: GradeError):
    return _error(request, exc.code, exc.message, exc.status, problems=exc.problems)


@api.exception_handler(RentreeError)
def on_rentree_error(request, exc: RentreeError):
    return _error(request, exc.code, exc.message, 409)


# the spaces' parts share one shape of error, which carries its own status (no common base)
@api.exception_handler(AppointmentError)
@api.exception_handler(CertificateError)
@api.exception_handler(MessageError)
@api.exception_handler(SpaceError)
def on_portal_error(request, exc: AppointmentError | CertificateError | MessageError | SpaceError):
    return _error(request, exc.code, exc.message, exc.status)


@api.exception_handler(ValidationError)
def on_validation(request, exc: ValidationError):
    return _error(request, "invalid", _("Some fields are not valid."), 422, errors=exc.errors)


@api.exception_handler(AuthenticationError)
def on_auth(request, exc):
    return _error(request, "unauthenticated", _("Sign in or give an API token."), 401)


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return _error(request, "forbidden", _("You may not do this."), 403)


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, "not_found", _("Not found."), 404)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    code = {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        409: "conflict",
        429: "too_many",
    }.get(exc.status_code, "error")
    return _error(request, code, str(exc.message), exc.status_code)


# The spaces' routes first, results first among them: Django tries a path's patterns in
# order, and on results day nearly every request is /api/v1/me/results (behind the other
# routers it cost 140 pattern matches, 0.7 ms a request).
for _router in portal_routers:
    api.add_router("/me/", _router)
api.add_router("/", core_router)
api.add_router("/registry/", registry_router)
api.add_router("/", enrollment_router)
api.add_router("/formation/", formation_router)
api.add_router("/transfers/", transfer_router)
api.add_router("/student-accounts/", provisioning_router)
api.add_router("/schools/", schools_router)
api.add_router("/staff/", staff_router)
for _router in assessment_routers:
    api.add_router("/evaluation/", _router)
