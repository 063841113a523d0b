"""Access-matrix rows of the spaces' certificates part (pages under certificates/, API under
api/v1/me/certificates).

The certificates that frame the rows: for the student persona (a child of the guardian
persona, at the demo collège 04012B) an open request from the space and one issued at the
desk; for the guardian's other child (at the primary school 04011A) an open request; for
another family's child at the collège and for a student of the lycée (04021C) one issued at
the desk each. The student reaches only their own, the guardian their two children's, the
collège's director and staff the collège's, no one the lycée's. Writes that get through the
access checks are refused by the service (a decision on an issued certificate, a refusal
without a reason, a desk issue for another school's student, an unknown language), so the
rows leave the data as they found it."""

from massar.core.scopes import scope_for
from massar.core.tests.access import Case, expect
from massar.enrollment.models import Enrollment
from massar.portal import certificates_services as services
from massar.portal.models import CertificateRequest

READERS = {"student": 200, "guardian": 200, "director": 200, "staff": 200}
FAMILY = {"student": 200, "guardian": 200}
SCHOOL = {"director": 200, "staff": 200}
FAMILY_HIDDEN = {"student": 404, "guardian": 404}
ALL_HIDDEN = {"student": 404, "guardian": 404, "director": 404, "staff": 404}


def _open(student, requester) -> CertificateRequest:
    """The student's open request of the year, made once."""
    enrollment = (
        Enrollment.objects.filter(student=student, year__is_current=True, status="ENROLLED")
        .order_by("-pk")
        .first()
    )
    existing = CertificateRequest.objects.filter(
        student=student, year_id=enrollment.year_id, status="REQUESTED"
    ).first()
    return existing or CertificateRequest.objects.create(
        school_id=enrollment.school_id,
        year_id=enrollment.year_id,
        student=student,
        enrollment=enrollment,
        requested_by=requester,
        channel="SPACE",
    )


def _issued(student, issuer) -> CertificateRequest:
    """A certificate issued at the desk for the student, made once."""
    existing = CertificateRequest.objects.filter(
        student=student, channel="DESK", status="APPROVED"
    ).first()
    return existing or services.certificate_desk_issue(
        actor=issuer, scope=scope_for(issuer), code_massar=student.code_massar, language="fr"
    )


def frame(p) -> dict:
    return {
        "mine_open": _open(p["own_student"], p["guardian"]),
        "sibling_open": _open(p["child"], p["guardian"]),
        "mine": _issued(p["own_student"], p["director"]),
        "theirs": _issued(p["other_family_student"], p["director"]),
        "far": _issued(p["other_school_student"], p["other_director"]),
    }


def _page(url: str, statuses: dict, **kw) -> Case:
    return Case(url, expect(403, anon=302, **statuses), **kw)


def _api(url: str, statuses: dict, **kw) -> Case:
    return Case(url, expect(403, anon=401, **statuses), **kw)


def _list(p):
    frame(p)
    return [
        _page("/certificates/", READERS),
        _page("/certificates/?status=APPROVED&page=2", READERS),
        _api("/api/v1/me/certificates", READERS),
        _api("/api/v1/me/certificates?status=REQUESTED", READERS),
    ]


def _new(p):
    own, other = p["own_student"], p["other_family_student"]
    return [
        _page("/certificates/new/", FAMILY),
        _page(
            "/certificates/new/",
            FAMILY_HIDDEN,
            method="post",
            data={"student": other.pk, "language": "fr"},
        ),
        # the family's own student, an unknown language: the form says so, nothing written
        _page(
            "/certificates/new/", FAMILY, method="post", data={"student": own.pk, "language": "x"}
        ),
        _api(
            "/api/v1/me/certificates",
            FAMILY_HIDDEN,
            method="post",
            json=True,
            data={"student_id": other.pk, "language": "fr"},
        ),
        _api(
            "/api/v1/me/certificates",
            {"student": 400, "guardian": 400},
            method="post",
            json=True,
            data={"student_id": own.pk, "language": "x"},
        ),
        # the guardian's other child is not the student's to ask for
        _api(
            "/api/v1/me/certificates",
            {"student": 404, "guardian": 400},
            method="post",
            json=True,
            data={"student_id": p["child"].pk, "language": "x"},
        ),
    ]


def _desk(p):
    far = p["other_school_student"].code_massar
    return [
        _page("/certificates/desk/", SCHOOL),
        # another school's student: not found at this desk (the form says so)
        _page(
            "/certificates/desk/",
            SCHOOL,
            method="post",
            data={"code_massar": far, "language": "fr"},
        ),
        _api(
            "/api/v1/me/certificates/desk",
            {"director": 400, "staff": 400},
            method="post",
            json=True,
            data={"code_massar": far, "language": "fr"},
        ),
    ]


def _settings(p):
    lycee = Enrollment.objects.filter(student=p["other_school_student"]).first().school_id
    return [
        _page("/certificates/settings/", {"director": 200}),
        _page(
            "/certificates/settings/",
            {"director": 404},
            method="post",
            data={"school": lycee, "auto_approve": "on"},
        ),
        _api("/api/v1/me/certificates/settings", {"director": 200}),
        _api(
            "/api/v1/me/certificates/settings",
            {"director": 404},
            method="post",
            json=True,
            data={"school_id": lycee, "auto_approve": True},
        ),
    ]


def _detail(p):
    f = frame(p)
    sibling = {"guardian": 200, "student": 404, "director": 404, "staff": 404}
    out = []
    for prefix, suffix, case in (
        ("/certificates/", "/", _page),
        ("/api/v1/me/certificates/", "", _api),
    ):
        out += [
            case(f"{prefix}{f['mine_open'].pk}{suffix}", READERS),
            case(f"{prefix}{f['mine'].pk}{suffix}", READERS),
            case(f"{prefix}{f['sibling_open'].pk}{suffix}", sibling),
            case(f"{prefix}{f['theirs'].pk}{suffix}", {**SCHOOL, **FAMILY_HIDDEN}),
            case(f"{prefix}{f['far'].pk}{suffix}", ALL_HIDDEN),
            case(f"{prefix}999999{suffix}", ALL_HIDDEN),
        ]
    return out


def _pdf(p):
    f = frame(p)
    out = []
    for prefix, suffix, case in (
        ("/certificates/", "/pdf/", _page),
        ("/api/v1/me/certificates/", "/pdf", _api),
    ):
        out += [
            case(f"{prefix}{f['mine'].pk}{suffix}", READERS),
            case(f"{prefix}{f['theirs'].pk}{suffix}", {**SCHOOL, **FAMILY_HIDDEN}),
            case(f"{prefix}{f['far'].pk}{suffix}", ALL_HIDDEN),
            # not issued yet: nothing to download
            case(f"{prefix}{f['mine_open'].pk}{suffix}", ALL_HIDDEN),
        ]
    return out


def _approve(p):
    f = frame(p)
    # only the director decides; the issued certificates are decided already (409)
    return [
        _page(f"/certificates/{f['mine'].pk}/approve/", {"director": 302}, method="post"),
        _page(f"/certificates/{f['theirs'].pk}/approve/", {"director": 302}, method="post"),
        _page(f"/certificates/{f['far'].pk}/approve/", {"director": 404}, method="post"),
        _page(f"/certificates/{f['sibling_open'].pk}/approve/", {"director": 404}, method="post"),
        _api(
            f"/api/v1/me/certificates/{f['mine'].pk}/approve",
            {"director": 409, "staff": 403},
            method="post",
        ),
        _api(
            f"/api/v1/me/certificates/{f['far'].pk}/approve",
            {"director": 404, "staff": 404},
            method="post",
        ),
        _api(
            f"/api/v1/me/certificates/{f['sibling_open'].pk}/approve",
            {"director": 404, "staff": 404},
            method="post",
        ),
    ]


def _refuse(p):
    f = frame(p)
    # the open request refused without a reason: the service says so, nothing written
    return [
        _page(
            f"/certificates/{f['mine_open'].pk}/refuse/",
            {"director": 302},
            method="post",
            data={"reason": ""},
        ),
        _page(
            f"/certificates/{f['far'].pk}/refuse/",
            {"director": 404},
            method="post",
            data={"reason": "Non"},
        ),
        _api(
            f"/api/v1/me/certificates/{f['mine_open'].pk}/refuse",
            {"director": 400, "staff": 403},
            method="post",
            json=True,
            data={"reason": " "},
        ),
        _api(
            f"/api/v1/me/certificates/{f['mine'].pk}/refuse",
            {"director": 409, "staff": 403},
            method="post",
            json=True,
            data={"reason": "Non"},
        ),
        _api(
            f"/api/v1/me/certificates/{f['far'].pk}/refuse",
            {"director": 404, "staff": 404},
            method="post",
            json=True,
            data={"reason": "Non"},
        ),
    ]


ROWS = {
    "certificates/": _list,
    "certificates/new/": _new,
    "certificates/desk/": _desk,
    "certificates/settings/": _settings,
    "certificates/<int:certificate_id>/": _detail,
    "certificates/<int:certificate_id>/pdf/": _pdf,
    "certificates/<int:certificate_id>/approve/": _approve,
    "certificates/<int:certificate_id>/refuse/": _refuse,
    # with the pages above
    "api/v1/me/certificates": lambda p: [],
    "api/v1/me/certificates/desk": lambda p: [],
    "api/v1/me/certificates/settings": lambda p: [],
    "api/v1/me/certificates/<int:certificate_id>": lambda p: [],
    "api/v1/me/certificates/<int:certificate_id>/pdf": lambda p: [],
    "api/v1/me/certificates/<int:certificate_id>/approve": lambda p: [],
    "api/v1/me/certificates/<int:certificate_id>/refuse": lambda p: [],
}
