"""API of the grade grid (mounted under /api/v1/evaluation/): the grade books a user may open,
one grid with each row's version, its save in one request, the director's validation and
corrections, the history of marks, and grade-entry deadlines.

A refused save answers {"code", "message", "problems"}: 400 "bad_marks" with one problem per
bad cell ({"where", "message", "student_id", "field"}), 400 "bad_rows" for students not in the
class, 409 "conflict" for rows someone else saved since they were read (nothing is written),
409 "locked" / "deadline", 403 "forbidden"."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from ninja import Router, Schema

from massar.assessment import grid_selectors as sel
from massar.assessment.grades import grade_book_validate
from massar.assessment.grid_services import RowInput, column_key, deadline_set, grid_save
from massar.assessment.models.marks import ACTIVITIES
from massar.core.scopes import Scope, scope_for
from massar.schools.models import School

router = Router(tags=["evaluation"])
READ_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER")
PAGE_SIZE = 50
BOOK = "/grade-books/{int:class_id}/{int:subject_id}/{int:semester}"


class ProblemOut(Schema):
    where: str
    message: str
    student_id: int | None = None
    field: str | None = None


class GridErrorOut(Schema):
    code: str
    message: str
    problems: list[ProblemOut] = []


REFUSALS = {400: GridErrorOut, 403: GridErrorOut, 409: GridErrorOut}


class BookOut(Schema):
    class_id: int
    class_name: str
    school_code: str
    level: str
    subject_id: int
    subject_code: str
    subject_name: str
    teacher: str
    semester: int
    students: int
    entered: int
    total: int
    validated_at: datetime | None
    deadline: date | None
    past_deadline: bool


class BookPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[BookOut]


class RowOut(Schema):
    student_id: int
    code_massar: str
    last_name_fr: str
    first_name_fr: str
    last_name_ar: str
    first_name_ar: str
    birth_date: date
    scores: dict[str, str | None]  # "1".."N": "12.50" or null
    absent: dict[str, bool]  # "1".."N" and "activities"
    activities: str | None
    remark: str
    version: int


class GridOut(Schema):
    class_id: int
    class_name: str
    school_code: str
    subject_id: int
    subject_code: str
    semester: int
    role: str  # teacher, director or viewer
    tests: list[int]
    has_activities: bool
    validated_at: datetime | None
    deadline: date | None
    past_deadline: bool
    editable: bool  # the caller may save now
    correctable: bool  # the caller may correct (validated grid, director)
    rows: list[RowOut]


class RowIn(Schema):
    student_id: int
    scores: dict[str, str | float | None] = {}  # "1".."N": "12,5", 12.5, "" or null (none)
    absent: dict[str, bool] = {}  # "1".."N" and "activities"
    activities: str | float | None = None  # left as stored when not given
    remark: str | None = None
    version: int | None = None  # the row's version as read (0: a row never saved)


class GridIn(Schema):
    rows: list[RowIn]


class CorrectionIn(GridIn):
    reason: str


class SavedOut(Schema):
    lines_written: int
    marks_changed: int
    versions: dict[int, int]  # student_id -> the row's new version


class ValidatedOut(Schema):
    validated_at: datetime


class ChangeOut(Schema):
    at: datetime
    student_id: int
    code_massar: str
    test: int  # 1..4, 5 = integrated activities, 0 = remark
    old_value: str
    new_value: str
    source: str
    reason: str
    actor: str


class ChangePageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[ChangeOut]


class DeadlineOut(Schema):
    semester: int
    national: date | None
    school: date | None


class DeadlinesOut(Schema):
    year: str
    school_id: int | None
    semesters: list[DeadlineOut]


class DeadlineIn(Schema):
    semester: int
    school_id: int | None = None  # empty: the national deadline (ministry)
    closes_on: date | None = None  # empty: remove the deadline


def _scope(request, roles=READ_ROLES) -> Scope:
    scope = scope_for(request.user)
    if not scope.has(*roles):
        raise PermissionDenied
    return scope


def _grid(scope, class_id, subject_id, semester, *, rows=False):
    get = sel.grid_get if rows else sel.book_get
    return get(scope, class_id=class_id, subject_id=subject_id, semester_number=semester)


def _rows_in(payload: GridIn) -> list[RowInput]:
    rows = []
    for i, r in enumerate(payload.rows, start=1):
        scores = {str(k): ("" if v is None else str(v)) for k, v in r.scores.items()}
        if "activities" in r.model_fields_set:
            scores["activities"] = "" if r.activities is None else str(r.activities)
        absent = {str(k): bool(v) for k, v in r.absent.items()}
        for key in absent:
            scores.setdefault(key, "")
        rows.append(
            RowInput(
                student_id=r.student_id,
                scores=scores,
                absent=absent,
                remark=r.remark,
                version=r.version,
                label=f"#{i}",
            )
        )
    return rows


def _saved(summary) -> dict:
    return {
        "lines_written": summary.lines_written,
        "marks_changed": summary.marks_changed,
        "versions": summary.versions,
    }


@router.get("/grade-books", response=BookPageOut)
def grade_book_list(
    request,
    semester: int | None = None,
    school_id: int | None = None,
    level: str = "",
    class_id: int | None = None,
    page: int = 1,
):
    """Grade books with their state for a semester (default: the current one): a teacher's
    own classes × subjects; a school's for its director and staff; for oversight roles the
    school `school_id` of their territory (required)."""
    scope = _scope(request)
    year, semesters = sel.current_semesters()
    chosen = sel.semester_pick(semesters, semester)
    if chosen is None:
        raise Http404
    school = None
    if scope.school_ids or scope.is_territorial:
        school = sel.book_school(scope, school_id)
        if school is None:
            raise Http404
    qs = sel.book_assignments(scope, year=year, school=school, level_code=level, class_id=class_id)
    paginator = Paginator(qs, PAGE_SIZE)
    current = paginator.get_page(page)
    states = sel.book_states(list(current), chosen)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "items": [
            {
                "class_id": b.school_class.pk,
                "class_name": b.school_class.name,
                "school_code": b.school_class.school.code,
                "level": b.school_class.level.code,
                "subject_id": b.subject.pk,
                "subject_code": b.subject.code,
                "subject_name": b.subject.name,
                "teacher": str(b.assignment.teacher),
                "semester": chosen.number,
                "students": b.students,
                "entered": b.entered,
                "total": b.total,
                "validated_at": b.validated_at,
                "deadline": b.deadline,
                "past_deadline": b.past_deadline,
            }
            for b in states
        ],
    }


@router.get(BOOK, response=GridOut)
def grid_get(request, class_id: int, subject_id: int, semester: int):
    """One grid: a row per enrolled student with its marks and version."""
    grid = _grid(_scope(request), class_id, subject_id, semester, rows=True)
    rows = []
    for r in grid.rows:
        s = r["student"]
        rows.append(
            {
                "student_id": s.pk,
                "code_massar": s.code_massar,
                "last_name_fr": s.last_name_fr,
                "first_name_fr": s.first_name_fr,
                "last_name_ar": s.last_name_ar,
                "first_name_ar": s.first_name_ar,
                "birth_date": s.birth_date,
                "scores": {str(t): r["cells"][t]["value"] or None for t in grid.tests},
                "absent": {column_key(t): r["cells"][t]["absent"] for t in grid.columns},
                "activities": (r["cells"][ACTIVITIES]["value"] or None)
                if grid.has_activities
                else None,
                "remark": r["remark"],
                "version": r["version"],
            }
        )
    return {
        "class_id": grid.school_class.pk,
        "class_name": grid.school_class.name,
        "school_code": grid.school_class.school.code,
        "subject_id": grid.subject.pk,
        "subject_code": grid.subject.code,
        "semester": grid.semester.number,
        "role": grid.role,
        "tests": grid.tests,
        "has_activities": grid.has_activities,
        "validated_at": grid.book.validated_at if grid.book else None,
        "deadline": grid.deadline,
        "past_deadline": grid.past_deadline,
        "editable": grid.editable,
        "correctable": grid.correctable,
        "rows": rows,
    }


@router.post(BOOK, response={200: SavedOut, **REFUSALS})
def grid_save_api(request, class_id: int, subject_id: int, semester: int, payload: GridIn):
    """Save a grid in one request, all or nothing. Each row names the version it read; a
    column missing from a row is left as stored."""
    scope = _scope(request)
    grid = _grid(scope, class_id, subject_id, semester)
    summary = grid_save(
        scope=scope, actor=request.user, grid=grid, rows=_rows_in(payload), source="api"
    )
    return _saved(summary)


@router.post(f"{BOOK}/correct", response={200: SavedOut, **REFUSALS})
def grid_correct(request, class_id: int, subject_id: int, semester: int, payload: CorrectionIn):
    """The director's correction of validated marks, with a mandatory reason (recorded in
    each change's history with the source "correction")."""
    scope = _scope(request, ("DIRECTOR",))
    grid = _grid(scope, class_id, subject_id, semester)
    summary = grid_save(
        scope=scope,
        actor=request.user,
        grid=grid,
        rows=_rows_in(payload),
        source="correction",
        correction=True,
        reason=payload.reason,
    )
    return _saved(summary)


@router.post(f"{BOOK}/validate", response={200: ValidatedOut, **REFUSALS})
def grid_validate(request, class_id: int, subject_id: int, semester: int):
    """The director validates the grid: its marks are locked."""
    scope = _scope(request, ("DIRECTOR",))
    grid = _grid(scope, class_id, subject_id, semester)
    book = grade_book_validate(
        scope=scope,
        actor=request.user,
        school_class=grid.school_class,
        subject=grid.subject,
        semester=grid.semester,
    )
    return {"validated_at": book.validated_at}


def _changes(changes) -> list[dict]:
    return [
        {
            "at": c.at,
            "student_id": c.student_id,
            "code_massar": c.student.code_massar,
            "test": c.test,
            "old_value": c.old_value,
            "new_value": c.new_value,
            "source": c.source,
            "reason": c.reason,
            "actor": (c.actor.get_full_name() or c.actor.username) if c.actor else "",
        }
        for c in changes
    ]


@router.get(f"{BOOK}/history", response=ChangePageOut)
def grid_history(request, class_id: int, subject_id: int, semester: int, page: int = 1):
    """Every change of the grid's marks, newest first, 50 a page."""
    grid = _grid(_scope(request), class_id, subject_id, semester)
    paginator = Paginator(sel.history_for_book(grid), PAGE_SIZE)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "page": current.number,
        "pages": paginator.num_pages,
        "items": _changes(current),
    }


@router.get(f"{BOOK}/history/{{int:student_id}}/{{int:test}}", response=list[ChangeOut])
def grid_mark_history(
    request, class_id: int, subject_id: int, semester: int, student_id: int, test: int
):
    """Every change of one mark (test 1..4, 5 = integrated activities, 0 = remark)."""
    grid = _grid(_scope(request), class_id, subject_id, semester)
    if test != 0 and test not in grid.columns:
        raise Http404
    student = sel.student_in_book(grid, student_id)
    return _changes(sel.history_for_mark(grid, student_id=student.pk, test=test)[:500])


def _deadline_school(scope: Scope, school_id: int | None) -> School | None:
    if school_id is None and scope.school_ids:
        return sel.book_school(scope, None)
    if school_id is None:
        teacher_school = sorted(scope.teacher_school_ids)[:1]
        return School.objects.filter(pk__in=teacher_school).first()
    if school_id in scope.teacher_school_ids:
        return School.objects.get(pk=school_id)
    return sel.book_school(scope, school_id)


@router.get("/grade-deadlines", response=DeadlinesOut)
def deadline_list(request, school_id: int | None = None):
    """The grade-entry deadlines of the current year's semesters: national, and the school's
    own (the caller's school, or `school_id` in an overseer's territory)."""
    scope = _scope(request)
    year, semesters = sel.current_semesters()
    if year is None:
        raise Http404
    school = _deadline_school(scope, school_id)
    items = []
    for s in semesters:
        dates = sel.deadlines_by_school(s, [school.pk] if school else [])
        items.append(
            {
                "semester": s.number,
                "national": dates.get(None),
                "school": dates.get(school.pk) if school else None,
            }
        )
    return {"year": year.code, "school_id": school.pk if school else None, "semesters": items}


@router.post("/grade-deadlines", response={200: DeadlinesOut, **REFUSALS})
def deadline_save(request, payload: DeadlineIn):
    """Set or clear a deadline: the national one (ministry, no school_id) or a school's
    (its director)."""
    scope = _scope(request, ("MINISTRY", "DIRECTOR"))
    year, semesters = sel.current_semesters()
    semester = next((s for s in semesters if s.number == payload.semester), None)
    if semester is None:
        raise Http404
    school = None
    if payload.school_id is not None:
        school = School.objects.filter(pk=payload.school_id).first()
        if school is None or not scope.manages_school(school.pk):
            raise Http404
    deadline_set(
        scope=scope,
        actor=request.user,
        semester=semester,
        school=school,
        closes_on=payload.closes_on,
    )
    return deadline_list(request, school_id=payload.school_id)
