"""Access-matrix rows of the spaces' appointments part (pages under appointments/, API under
api/v1/me/appointments).

Three requests frame the rows: the guardian persona's own, about their child at the demo
collège (04012B) and addressed to the teacher persona; another family's at the same collège,
with the director; and one at the lycée (04021C). The guardian reaches only the first, the
collège's director and staff the first two, the teacher only the one addressed to them, and
no one of the collège the lycée's. Answers that get through are sent with a time in the past
or no reason, so the service refuses them (nothing written) after the access checks. The
helpers here are shared by the messages rows and the tests."""

from datetime import timedelta

from django.utils import timezone

from massar.core.models import User
from massar.core.tests.access import Case, expect
from massar.portal.models import Appointment
from massar.registry.models import Student
from massar.staff.models import StaffMember

SIDES = {"guardian": 200, "director": 200, "staff": 200, "teacher": 200}
ANSWERERS = {"director": 302, "staff": 302, "teacher": 302}


def college_child(p) -> Student:
    """The guardian persona's child enrolled at the demo collège (taught by the teacher)."""
    return (
        Student.objects.filter(
            pk__in=p["guardian_children"],
            enrollments__school__code="04012B",
            enrollments__status="ENROLLED",
        )
        .order_by("pk")
        .first()
    )


def teacher_member(p) -> StaffMember:
    return StaffMember.objects.get(user=p["teacher"])


def other_parent() -> User:
    """An account of another family (a guardian of no persona's child)."""
    user, _created = User.objects.get_or_create(
        username="other.family.rows@taalim.ma", defaults={"language": "fr"}
    )
    return user


def school_id(code: str) -> int:
    from massar.schools.models import School

    return School.objects.get(code=code).pk


def own_appointment(p, *, teacher: bool = True) -> Appointment:
    return Appointment.objects.create(
        school_id=school_id("04012B"),
        student=college_child(p),
        requested_by=p["guardian"],
        teacher=teacher_member(p) if teacher else None,
        reason="Suivi du travail",
    )


def other_family_appointment(p) -> Appointment:
    return Appointment.objects.create(
        school_id=school_id("04012B"),
        student=p["other_family_student"],
        requested_by=other_parent(),
        reason="Autre famille",
    )


def other_school_appointment(p) -> Appointment:
    return Appointment.objects.create(
        school_id=school_id("04021C"),
        student=p["other_school_student"],
        requested_by=other_parent(),
        reason="Autre école",
    )


def _past() -> str:
    return (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")


def _list(p):
    return [
        Case("/appointments/", expect(403, anon=302, **SIDES)),
        Case("/api/v1/me/appointments", expect(403, anon=401, **SIDES)),
    ]


def _new(p):
    child, other = college_child(p), p["other_family_student"]
    return [
        Case("/appointments/new/", expect(403, anon=302, guardian=200)),
        Case(f"/appointments/new/?child={child.pk}", expect(403, anon=302, guardian=200)),
        Case(f"/appointments/new/?child={other.pk}", expect(403, anon=302, guardian=404)),
        Case(
            "/appointments/new/",
            expect(403, anon=302, guardian=404),
            method="post",
            data={"child": other.pk, "teacher": 0, "reason": "Intrusion"},
        ),
        Case(
            f"/api/v1/me/appointments/targets?student_id={child.pk}",
            expect(403, anon=401, guardian=200),
        ),
        Case(
            f"/api/v1/me/appointments/targets?student_id={other.pk}",
            expect(403, anon=401, guardian=404),
        ),
        Case(
            "/api/v1/me/appointments",
            expect(403, anon=401, guardian=404),
            method="post",
            json=True,
            data={"student_id": other.pk, "reason": "Intrusion"},
        ),
        # the guardian's own child, but no reason: refused by the service
        Case(
            "/api/v1/me/appointments",
            expect(403, anon=401, guardian=400),
            method="post",
            json=True,
            data={"student_id": child.pk, "reason": "  "},
        ),
    ]


def _detail(p):
    mine, theirs, far = own_appointment(p), other_family_appointment(p), other_school_appointment(p)
    hidden_theirs = {"guardian": 404, "teacher": 404}
    hidden_far = {"guardian": 404, "director": 404, "staff": 404, "teacher": 404}
    out = []
    for prefix, suffix in (("/appointments/", "/"), ("/api/v1/me/appointments/", "")):
        anon = 302 if suffix else 401
        out += [
            Case(f"{prefix}{mine.pk}{suffix}", expect(403, anon=anon, **SIDES)),
            Case(
                f"{prefix}{theirs.pk}{suffix}",
                expect(403, anon=anon, **{**SIDES, **hidden_theirs}),
            ),
            Case(f"{prefix}{far.pk}{suffix}", expect(403, anon=anon, **{**SIDES, **hidden_far})),
        ]
    return out


def _answer(kind: str):
    def cases(p):
        mine, theirs, far = (
            own_appointment(p),
            other_family_appointment(p),
            other_school_appointment(p),
        )
        page_data = {"scheduled_at": _past()} if kind == "accept" else {"reason": ""}
        api_data = {"scheduled_at": _past()} if kind == "accept" else {"reason": " "}
        api_ok = {"director": 400, "staff": 400, "teacher": 400}
        return [
            Case(
                f"/appointments/{mine.pk}/{kind}/",
                expect(403, anon=302, **ANSWERERS),
                method="post",
                data=page_data,
            ),
            Case(
                f"/appointments/{theirs.pk}/{kind}/",
                expect(403, anon=302, **{**ANSWERERS, "teacher": 404}),
                method="post",
                data=page_data,
            ),
            Case(
                f"/appointments/{far.pk}/{kind}/",
                expect(403, anon=302, director=404, staff=404, teacher=404),
                method="post",
                data=page_data,
            ),
            Case(
                f"/api/v1/me/appointments/{mine.pk}/{kind}",
                expect(403, anon=401, **api_ok),
                method="post",
                json=True,
                data=api_data,
            ),
            Case(
                f"/api/v1/me/appointments/{theirs.pk}/{kind}",
                expect(403, anon=401, **{**api_ok, "teacher": 404}),
                method="post",
                json=True,
                data=api_data,
            ),
            Case(
                f"/api/v1/me/appointments/{far.pk}/{kind}",
                expect(403, anon=401, director=404, staff=404, teacher=404),
                method="post",
                json=True,
                data=api_data,
            ),
        ]

    return cases


def _cancel(p):
    """Only the guardian who asked cancels (their first try succeeds); another family's
    request is hidden from them."""
    page_mine, api_mine, theirs = (
        own_appointment(p),
        own_appointment(p),
        other_family_appointment(p),
    )
    return [
        Case(
            f"/appointments/{page_mine.pk}/cancel/",
            expect(403, anon=302, guardian=302),
            method="post",
        ),
        Case(
            f"/appointments/{theirs.pk}/cancel/",
            expect(403, anon=302, guardian=404),
            method="post",
        ),
        Case(
            f"/api/v1/me/appointments/{api_mine.pk}/cancel",
            expect(403, anon=401, guardian=200),
            method="post",
        ),
        Case(
            f"/api/v1/me/appointments/{theirs.pk}/cancel",
            expect(403, anon=401, guardian=404),
            method="post",
        ),
    ]


ROWS = {
    "appointments/": _list,
    "appointments/new/": _new,
    "appointments/<int:appointment_id>/": _detail,
    "appointments/<int:appointment_id>/accept/": _answer("accept"),
    "appointments/<int:appointment_id>/decline/": _answer("decline"),
    "appointments/<int:appointment_id>/cancel/": _cancel,
    # with the pages above
    "api/v1/me/appointments": lambda p: [],
    "api/v1/me/appointments/targets": lambda p: [],
    "api/v1/me/appointments/<int:appointment_id>": lambda p: [],
    "api/v1/me/appointments/<int:appointment_id>/accept": lambda p: [],
    "api/v1/me/appointments/<int:appointment_id>/decline": lambda p: [],
    "api/v1/me/appointments/<int:appointment_id>/cancel": lambda p: [],
}
