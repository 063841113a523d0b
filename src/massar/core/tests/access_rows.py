"""Access-matrix rows of core's routes (and the project's shared ones: i18n, admin, docs)."""

from massar.core.models import Job, Notification
from massar.core.tests.access import STAFF, Case, expect

LOGIN = 302  # anonymous users are sent to the sign-in page


def _job_cases(p):
    job = Job.objects.create(
        kind="test",
        title="t",
        created_by=p["director"],
        school_id=p["director"].role_assignments.first().school_id,
    )
    return [
        Case(f"/jobs/{job.pk}/", expect(404, anon=LOGIN, director=200, staff=200, ministry=200)),
        Case(
            f"/api/v1/jobs/{job.pk}", expect(404, anon=401, director=200, staff=200, ministry=200)
        ),
    ]


def _notification_cases(p):
    """A notification of the student persona: only its owner may mark it read; for everyone
    else it does not exist (404)."""
    page_n = Notification.objects.create(user=p["student"], kind="test", title="t", url="/")
    api_n = Notification.objects.create(user=p["student"], kind="test", title="t")
    return [
        Case(
            f"/notifications/{page_n.pk}/read/",
            expect(404, anon=LOGIN, student=302),
            method="post",
        ),
        Case(
            f"/api/v1/notifications/{api_n.pk}/read",
            expect(404, anon=401, student=200),
            method="post",
            json=True,
        ),
    ]


ROWS = {
    "": lambda p: [Case("/", expect(200, anon=LOGIN))],
    "accounts/sign-in/": lambda p: [Case("/accounts/sign-in/", expect(200))],
    "accounts/sign-in/code/": lambda p: [
        # without a pending password step, everyone is sent back to sign in
        Case("/accounts/sign-in/code/", expect(302))
    ],
    "accounts/sign-out/": lambda p: [
        Case("/accounts/sign-out/", expect(302), method="post"),
        Case("/accounts/sign-out/", expect(405)),
    ],
    "accounts/password/": lambda p: [Case("/accounts/password/", expect(200, anon=LOGIN))],
    "accounts/password/forgotten/": lambda p: [Case("/accounts/password/forgotten/", expect(200))],
    "accounts/password/reset/": lambda p: [Case("/accounts/password/reset/", expect(200))],
    "accounts/two-step/": lambda p: [
        Case("/accounts/two-step/", expect(404, anon=LOGIN, **{r: 200 for r in STAFF}))
    ],
    "jobs/<int:job_id>/": _job_cases,
    "api/v1/jobs/<job_id>": lambda p: [],  # covered with the page above
    # every signed-in user has their own notifications
    "notifications/": lambda p: [Case("/notifications/", expect(200, anon=LOGIN))],
    "notifications/<int:notification_id>/read/": _notification_cases,
    "notifications/badge/": lambda p: [Case("/notifications/badge/", expect(200, anon=LOGIN))],
    "notifications/read-all/": lambda p: [
        Case("/notifications/read-all/", expect(302), method="post"),
        Case("/notifications/read-all/", expect(405)),
    ],
    "api/v1/notifications/": lambda p: [Case("/api/v1/notifications/", expect(200, anon=401))],
    "api/v1/notifications/<int:notification_id>/read": lambda p: [],  # with the page above
    "api/v1/notifications/read-all": lambda p: [
        Case("/api/v1/notifications/read-all", expect(200, anon=401), method="post", json=True)
    ],
    "api/v1/": lambda p: [Case("/api/v1/", expect(404))],
    "api/v1/me": lambda p: [Case("/api/v1/me", expect(200, anon=401))],
    "api/v1/auth/token": lambda p: [
        # open to all; a payload without a password is refused whoever asks
        Case(
            "/api/v1/auth/token",
            expect(422),
            method="post",
            json=True,
            data={"identifier": "nobody@taalim.ma"},
        )
    ],
    "api/v1/openapi.json": lambda p: [Case("/api/v1/openapi.json", expect(200))],
    "api/v1/docs": lambda p: [Case("/api/v1/docs", expect(200))],
    "api/docs": lambda p: [Case("/api/docs", expect(200))],
    "i18n/setlang/": lambda p: [
        Case("/i18n/setlang/", expect(302), method="post", data={"language": "ar", "next": "/"})
    ],
    "i18n/catalog.js": lambda p: [Case("/i18n/catalog.js", expect(200))],
    # The admin: only a ministry administrator who passed the second factor (tested in
    # test_kernel); here, everyone else is turned away from every admin page.
    "admin/*": lambda p: [
        Case("/admin/", expect(302)),
        Case("/admin/core/user/", expect(302)),
        Case("/admin/core/auditentry/", expect(302)),
    ],
}
