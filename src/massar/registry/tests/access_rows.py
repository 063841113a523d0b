"""Access-matrix rows of the registry's routes."""

from massar.core.tests.access import Case, expect

OVERSIGHT = {"ministry": 200, "academy": 200, "directorate": 200}


def _file_cases(p):
    def cases(target, /, **allowed):
        return [
            Case(f"/students/{target.pk}/", expect(404, anon=302, **allowed)),
            Case(f"/api/v1/registry/students/{target.pk}", expect(404, anon=401, **allowed)),
        ]

    return [
        # a collège student the teacher teaches, and whose father is the demo guardian
        *cases(
            p["taught_student"],
            **OVERSIGHT,
            director=200,
            staff=200,
            teacher=200,
            **({"guardian": 200} if p["taught_student"].pk in p["guardian_children"] else {}),
            **({"student": 200} if p["taught_student"] == p["own_student"] else {}),
        ),
        # a collège student of another family, not taught by the teacher
        *cases(p["untaught_student"], **OVERSIGHT, director=200, staff=200),
        # the lycée is in the other directorate
        *cases(p["other_school_student"], ministry=200, academy=200),
        # the demo student's own file
        *cases(
            p["own_student"],
            **OVERSIGHT,
            director=200,
            staff=200,
            student=200,
            guardian=200,
            teacher=200,
        ),
    ]


def _password_cases(p):
    return [
        Case(
            f"/students/{p['other_school_student'].pk}/password/",
            expect(403, anon=302, director=404, staff=404),
            method="post",
        ),
        Case(f"/students/{p['other_school_student'].pk}/password/", expect(405)),
    ]


ROWS = {
    "students/": lambda p: [
        Case("/students/", expect(403, anon=302, **OVERSIGHT, director=200, staff=200, teacher=200))
    ],
    "students/<int:student_id>/": _file_cases,
    "students/<int:student_id>/password/": _password_cases,
    "api/v1/registry/students": lambda p: [
        Case(
            "/api/v1/registry/students",
            expect(403, anon=401, **OVERSIGHT, director=200, staff=200, teacher=200),
        )
    ],
    "api/v1/registry/students/<student_id>": lambda p: [],  # with the page, above
}
