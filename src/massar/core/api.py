"""Core API: who am I, API tokens, job progress."""

from ninja import Router, Schema

from massar.core import services
from massar.core.middleware import request_address
from massar.core.models import User
from massar.core.scopes import primary_role, scope_for
from massar.core.selectors import job_get

router = Router(tags=["core"])


class RoleOut(Schema):
    role: str
    academy_id: int | None
    directorate_id: int | None
    school_id: int | None


class MeOut(Schema):
    identifier: str
    first_name: str
    last_name: str
    language: str
    primary_role: str | None
    roles: list[RoleOut]
    totp_enabled: bool


class TokenIn(Schema):
    identifier: str
    password: str
    totp_code: str = ""
    name: str = "api"


class TokenOut(Schema):
    token: str


class ErrorOut(Schema):
    code: str
    message: str


class JobOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    done: int
    total: int
    percent: int
    errors: list
    result: dict


@router.get("/me", response=MeOut)
def me(request):
    user: User = request.user
    scope = scope_for(user)
    return {
        "identifier": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "language": user.language,
        "primary_role": primary_role(scope),
        "roles": list(
            user.role_assignments.values("role", "academy_id", "directorate_id", "school_id")
        ),
        "totp_enabled": user.totp_enabled,
    }


@router.post("/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 429: ErrorOut})
def token_create(request, payload: TokenIn):
    """Exchange credentials (and the second factor where the account has one) for a token.
    The same lockout as the sign-in page applies."""
    user = services.sign_in_check(
        identifier=payload.identifier,
        password=payload.password,
        client_address=request_address(request),
    )
    if user.must_change_password:
        raise services.AccountError(
            "password_change_required",
            services._("Change your initial password in the web pages first."),
            403,
        )
    if (user.totp_enabled or services.totp_required(user)) and not services.totp_check(
        user=user, code=payload.totp_code
    ):
        raise services.AccountError("bad_totp", services._("A valid two-step code is needed."), 401)
    return {"token": services.api_token_create(user=user, name=payload.name)}


@router.get("/jobs/{job_id}", response=JobOut)
def job_status(request, job_id: int):
    job = job_get(scope_for(request.user), request.user, job_id)
    return {
        **{
            f: getattr(job, f)
            for f in ["id", "kind", "title", "status", "done", "total", "errors", "result"]
        },
        "percent": job.percent,
    }


# the caller's notifications (massar.core.notification_api)
from massar.core.notification_api import router as notification_router  # noqa: E402

router.add_router("/notifications/", notification_router)
