"""Access-matrix rows of the spaces' results_day part: the results page (space/marks/) and
API (api/v1/me/results). Only students and guardians reach them; a student reaches only
themself, a guardian only their own children, whatever id is in the URL (404 otherwise).
The former page address (space/results/) is a permanent redirect for everyone: it shows
nothing, and the page it leads to checks access."""

from massar.core.tests.access import Case, expect

FAMILY = {"student": 200, "guardian": 200}


def _own(p) -> int:
    """The guardian's status for the student persona: 200 when the persona is their child."""
    return 200 if p["own_student"].pk in p["guardian_children"] else 404


def _page(p):
    child, other = p["child"], p["other_family_student"]
    return [
        Case("/space/marks/", expect(403, anon=302, **FAMILY)),
        Case(f"/space/marks/?child={child.pk}", expect(403, anon=302, student=404, guardian=200)),
        Case(f"/space/marks/?child={other.pk}", expect(403, anon=302, student=404, guardian=404)),
        Case(
            f"/space/marks/?child={p['own_student'].pk}",
            expect(403, anon=302, student=200, guardian=_own(p)),
        ),
        Case("/space/marks/?child=x", expect(403, anon=302, student=404, guardian=404)),
    ]


def _former_page(p):
    other = p["other_family_student"]
    return [
        Case("/space/results/", expect(301)),
        Case(f"/space/results/?child={other.pk}", expect(301)),
    ]


def _api(p):
    child, other = p["child"], p["other_family_student"]
    far = p["other_school_student"]
    return [
        Case("/api/v1/me/results", expect(403, anon=401, **FAMILY)),
        Case(
            f"/api/v1/me/results?child={child.pk}",
            expect(403, anon=401, student=404, guardian=200),
        ),
        Case(
            f"/api/v1/me/results?child={other.pk}",
            expect(403, anon=401, student=404, guardian=404),
        ),
        Case(
            f"/api/v1/me/results?child={far.pk}",
            expect(403, anon=401, student=404, guardian=404),
        ),
        Case(
            f"/api/v1/me/results?child={p['own_student'].pk}",
            expect(403, anon=401, student=200, guardian=_own(p)),
        ),
    ]


ROWS = {
    "space/marks/": _page,
    "space/results/": _former_page,
    "api/v1/me/results": _api,
}
