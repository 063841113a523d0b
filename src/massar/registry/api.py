from datetime import date

from django.core.exceptions import PermissionDenied
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from massar.core.scopes import scope_for
from massar.registry import selectors
from massar.registry.services import student_file_read

router = Router(tags=["registry"])
LIST_ROLES = {"MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER"}


class StudentOut(Schema):
    id: int
    code_massar: str
    last_name_fr: str
    first_name_fr: str
    last_name_ar: str
    first_name_ar: str
    sex: str
    birth_date: date


class GuardianOut(Schema):
    relation: str
    last_name_fr: str
    first_name_fr: str
    phone: str


class EnrollmentOut(Schema):
    year: str
    school_code: str
    level: str
    track: str | None
    school_class: str | None
    status: str


class StudentFileOut(Schema):
    student: StudentOut
    guardians: list[GuardianOut]
    history: list[EnrollmentOut]


@router.get("/students", response=list[StudentOut])
@paginate(PageNumberPagination, page_size=50)
def student_search(request, q: str = ""):
    scope = scope_for(request.user)
    if not scope.roles & LIST_ROLES:
        raise PermissionDenied
    return selectors.student_search_ordered(scope, text=q)


@router.get("/students/{student_id}", response=StudentFileOut)
def student_file(request, student_id: int):
    data = selectors.student_file(scope_for(request.user), student_id)
    student_file_read(actor=request.user, student=data["student"])
    return {
        "student": data["student"],
        "guardians": [
            {
                "relation": link.relation,
                "last_name_fr": link.guardian.last_name_fr,
                "first_name_fr": link.guardian.first_name_fr,
                "phone": link.guardian.phone,
            }
            for link in data["guardian_links"]
        ],
        "history": [
            {
                "year": e.year.code,
                "school_code": e.school.code,
                "level": e.level.code,
                "track": e.track.code if e.track else None,
                "school_class": e.school_class.name if e.school_class else None,
                "status": e.status,
            }
            for e in data["history"]
        ],
    }
