"""Access-matrix rows of the spaces' results_day part: the results page (space/results/) and
API (api/v1/me/results). Only students and guardians reach them; a student reaches only
themself, a guardian only their own children, whatever id is in the URL (404 otherwise)."""

from massar.core.tests.access import Case, expect

FAMILY = {"student": 200, "guardian": 200}


def _own(p) -> int:
    """The guardian's status for the student persona: 200 when the persona is their child."""
    return 200 if p["own_student"].pk in p["guardian_children"] else 404


def _page(p):
    child, other = p["child"], p["other_family_student"]
    return [
        Case("/space/results/", expect(403, anon=302, **FAMILY)),
        Case(f"/space/results/?child={child.pk}", expect(403, anon=302, student=404, guardian=200)),
        Case(f"/space/results/?child={other.pk}", expect(403, anon=302, student=404, guardian=404)),
        Case(
            f"/space/results/?child={p['own_student'].pk}",
            expect(403, anon=302, student=200, guardian=_own(p)),
        ),
        Case("/space/results/?child=x", expect(403, anon=302, student=404, guardian=404)),
    ]


def _api(p):
    child, other = p["child"], p["other_family_student"]
    far = p["other_school_student"]
    return [
        Case("/api/v1/me/results", expect(403, anon=401, **FAMILY)),
        Case(
            f"/api/v1/me/results?student_id={child.pk}",
            expect(403, anon=401, student=404, guardian=200),
        ),
        Case(
            f"/api/v1/me/results?student_id={other.pk}",
            expect(403, anon=401, student=404, guardian=404),
        ),
        Case(
            f"/api/v1/me/results?student_id={far.pk}",
            expect(403, anon=401, student=404, guardian=404),
        ),
        Case(
            f"/api/v1/me/results?student_id={p['own_student'].pk}",
            expect(403, anon=401, student=200, guardian=_own(p)),
        ),
    ]


ROWS = {
    "space/results/": _page,
    "api/v1/me/results": _api,
}
