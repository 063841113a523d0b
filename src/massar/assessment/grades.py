"""Writing marks: the one path every source (grid, sheet upload, command line, API, director's
correction) goes through. It checks who may write, the deadline and the lock, parses and
validates every mark, checks versions (no lost update), then writes the changed lines and their
history in a constant number of queries, all in one transaction.

A save locks its grade book row (SELECT … FOR UPDATE), so two saves of the same grid run one
after the other and the second sees the first's versions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from massar.assessment.models import GradeBook, GradeDeadline, MarkChange, MarkLine
from massar.assessment.models.marks import ACTIVITIES, TESTS
from massar.core.scopes import Scope

MAX_MARK = Decimal("20")
ABSENT = "ABS"
_MARK_RE = re.compile(r"^\d{1,2}([.,]\d{1,2})?$")


class GradeError(Exception):
    """A refused write. `problems` lists every bad cell/row as {"where", "message"}."""

    def __init__(self, code: str, message: str, problems: list[dict] | None = None, status=400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.problems = problems or []
        self.status = status


def mark_parse(text) -> tuple[Decimal | None, str | None]:
    """A mark as typed ('12,5', '12.50', '' for none) → (value, error message or None)."""
    if text is None:
        return None, None
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        text = format(Decimal(str(text)).normalize(), "f")
    text = str(text).strip()
    if text == "":
        return None, None
    if not _MARK_RE.match(text):
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return None, _("“%(value)s” is not a mark") % {"value": text}
        if value < 0:
            return None, _("%(value)s is below 0") % {"value": text}
        if value > MAX_MARK:
            return None, _("%(value)s is above 20") % {"value": text}
        return None, _("%(value)s has more than two decimals") % {"value": text}
    value = Decimal(text.replace(",", "."))
    if value > MAX_MARK:
        return None, _("%(value)s is above 20") % {"value": text}
    return value.quantize(Decimal("0.01")), None


@dataclass
class LineInput:
    """One student's row as submitted. `scores` and `absent` are keyed by test number (1..4,
    5 = integrated activities); a test missing from both is left as stored. `version` is the
    version the client read (None: no check, e.g. a first upload of a fresh sheet)."""

    student_id: int
    scores: dict[int, Decimal | None] = field(default_factory=dict)
    absent: dict[int, bool] = field(default_factory=dict)
    remark: str | None = None
    version: int | None = None
    where: str = ""  # how the source names this row in messages ("row 18", "C18")


@dataclass
class WriteSummary:
    lines_written: int
    marks_changed: int
    versions: dict[int, int]  # student_id -> new version


def _field(test: int) -> tuple[str, str]:
    if test == ACTIVITIES:
        return "activities", "activities_absent"
    return f"score{test}", f"absent{test}"


def _shown(score, absent) -> str:
    return ABSENT if absent else ("" if score is None else f"{score:.2f}")


# --- who may write ---------------------------------------------------------------------------
def book_role(scope: Scope, *, school_class, subject) -> str | None:
    """'teacher' (assigned to the class and subject), 'director', 'viewer' or None."""
    from massar.enrollment.models import TeachingAssignment

    school_id = school_class.school_id
    if scope.manages_school(school_id):
        return "director"
    if school_id in scope.teacher_school_ids and (
        TeachingAssignment.objects.filter(
            school_class=school_class, subject=subject, teacher__user_id=scope.user_id
        ).exists()
    ):
        return "teacher"
    if scope.administers_school(school_id):
        return "viewer"
    if scope.is_territorial:
        from massar.schools.models import School

        if School.objects.filter(scope.schools_q(), pk=school_id).exists():
            return "viewer"
    return None


def deadline_for(*, semester, school_id: int):
    """The last day of grade entry for a school's semester (school date first), or None."""
    rows = {
        d.school_id: d.closes_on
        # `school_id__in=[x, None]` would never match the national row (NULL is not IN)
        for d in GradeDeadline.objects.filter(semester=semester).filter(
            Q(school_id=school_id) | Q(school__isnull=True)
        )
    }
    return rows.get(school_id, rows.get(None))


def _check_may_write(role, *, book, semester, school_id, correction: bool, reason: str):
    if role not in ("teacher", "director", "operator"):
        raise GradeError(
            "forbidden", _("You may not enter marks for this class and subject."), status=403
        )
    if book.is_locked and not correction:
        raise GradeError(
            "locked",
            _(
                "These marks were validated by the director and are locked; a change needs a "
                "correction by the director."
            ),
            status=409,
        )
    if correction:
        if role != "director":
            raise GradeError(
                "forbidden", _("Only the school's director may correct marks."), status=403
            )
        if not reason.strip():
            raise GradeError("reason_required", _("A correction needs a reason."))
    if role == "teacher":
        closes_on = deadline_for(semester=semester, school_id=school_id)
        if closes_on and timezone.localdate() > closes_on:
            raise GradeError(
                "deadline",
                _("Grade entry for this semester closed on %(date)s.")
                % {"date": closes_on.strftime("%d/%m/%Y")},
                status=409,
            )


# --- the write -------------------------------------------------------------------------------
def grade_book_get(*, school_class, subject, semester, lock: bool = False) -> GradeBook:
    book, _created = GradeBook.objects.get_or_create(
        school_id=school_class.school_id,
        school_class=school_class,
        subject=subject,
        semester=semester,
    )
    if lock:
        book = GradeBook.objects.select_for_update().get(pk=book.pk)
    return book


def class_student_ids(school_class) -> set[int]:
    from massar.enrollment.models import Enrollment

    return set(
        Enrollment.objects.filter(
            school_id=school_class.school_id, school_class=school_class, status="ENROLLED"
        ).values_list("student_id", flat=True)
    )


def grades_write(
    *,
    scope: Scope | None,
    actor,
    school_class,
    subject,
    semester,
    lines: list[LineInput],
    source: str,
    correction: bool = False,
    reason: str = "",
) -> WriteSummary:
    """Validate and write `lines` for one class × subject × semester, all or nothing.
    `scope` None is the operator's command line (no teacher check; locks still hold)."""
    if semester.year_id != school_class.year_id:
        raise GradeError("wrong_year", _("This semester is not in the class's school year."))
    role = (
        "operator"
        if scope is None
        else book_role(scope, school_class=school_class, subject=subject)
    )
    with transaction.atomic():
        book = grade_book_get(
            school_class=school_class, subject=subject, semester=semester, lock=True
        )
        _check_may_write(
            role,
            book=book,
            semester=semester,
            school_id=school_class.school_id,
            correction=correction,
            reason=reason,
        )
        return _write_lines(
            book=book, lines=lines, actor=actor, source=source, reason=reason.strip()
        )


def _write_lines(*, book, lines, actor, source, reason) -> WriteSummary:
    allowed = class_student_ids(book.school_class)
    problems = [
        {"where": line.where, "message": _("This student is not in this class.")}
        for line in lines
        if line.student_id not in allowed
    ]
    seen: set[int] = set()
    for line in lines:
        if line.student_id in seen:
            problems.append({"where": line.where, "message": _("This student appears twice.")})
        seen.add(line.student_id)
    if problems:
        raise GradeError("bad_rows", _("Some rows cannot be saved."), problems)

    existing = {
        m.student_id: m
        for m in MarkLine.objects.filter(
            school_id=book.school_id,
            school_class_id=book.school_class_id,
            subject_id=book.subject_id,
            semester_id=book.semester_id,
            student_id__in=[line.student_id for line in lines],
        )
    }
    conflicts = [
        {
            "where": line.where,
            "message": _("Someone else saved this row since you opened it."),
        }
        for line in lines
        if line.version is not None
        and line.version
        != (existing[line.student_id].version if line.student_id in existing else 0)
    ]
    if conflicts:
        raise GradeError(
            "conflict",
            _(
                "Some rows were changed by someone else since you opened this page: nothing "
                "was saved. Reload to see their marks, then enter yours again."
            ),
            conflicts,
            status=409,
        )

    now = timezone.now()
    to_create, to_update, changes = [], [], []
    for line in lines:
        mark_line = existing.get(line.student_id) or MarkLine(
            school_id=book.school_id,
            school_class_id=book.school_class_id,
            subject_id=book.subject_id,
            semester_id=book.semester_id,
            student_id=line.student_id,
        )
        diffs = _apply(mark_line, line)
        if not diffs:
            continue
        mark_line.version += 1
        mark_line.updated_by = actor if getattr(actor, "pk", None) else None
        mark_line.updated_at = now
        (to_update if mark_line.pk else to_create).append(mark_line)
        changes.extend((mark_line, test, old, new) for test, old, new in diffs)

    MarkLine.objects.bulk_create(to_create, batch_size=1000)
    if to_update:
        _lines_update(to_update)
    MarkChange.objects.bulk_create(
        [
            MarkChange(
                actor=actor if getattr(actor, "pk", None) else None,
                school_id=book.school_id,
                school_class_id=book.school_class_id,
                subject_id=book.subject_id,
                semester_id=book.semester_id,
                student_id=m.student_id,
                line=m,
                test=test,
                old_value=old,
                new_value=new,
                source=source,
                reason=reason,
            )
            for m, test, old, new in changes
        ],
        batch_size=2000,
    )
    written = to_create + to_update
    return WriteSummary(
        lines_written=len(written),
        marks_changed=len(changes),
        versions={m.student_id: m.version for m in written},
    )


_LINE_FIELDS = [
    *(f"score{t}" for t in TESTS),
    *(f"absent{t}" for t in TESTS),
    "activities",
    "activities_absent",
    "remark",
    "version",
    "updated_by",
    "updated_at",
]


def _lines_update(lines: list[MarkLine]) -> None:
    """Write changed lines in one statement. On PostgreSQL an UPDATE … FROM (VALUES …) joined
    on the primary key: Django's bulk_update builds a CASE per field and row, whose Python
    side alone costs a few hundred milliseconds for a 45-student grid."""
    if connection.vendor != "postgresql":
        MarkLine.objects.bulk_update(lines, _LINE_FIELDS, batch_size=1000)
        return
    fields = [MarkLine._meta.get_field(name) for name in _LINE_FIELDS]
    columns = [f.column for f in fields]
    casts = ["::" + f.db_type(connection) for f in fields]
    row = "(%s::bigint, " + ", ".join(f"%s{cast}" for cast in casts) + ")"
    params: list = []
    for line in lines:
        params.append(line.pk)
        params.extend(f.get_db_prep_save(getattr(line, f.attname), connection) for f in fields)
    quote = connection.ops.quote_name
    table = quote(MarkLine._meta.db_table)
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
    with connection.cursor() as cursor:
        for start in range(0, len(lines), 1000):
            chunk = lines[start : start + 1000]
            cursor.execute(
                f"UPDATE {table} AS m SET {assignments} FROM (VALUES "  # noqa: S608 - names only
                + ", ".join([row] * len(chunk))
                + f") AS v(id, {', '.join(quote(c) for c in columns)}) WHERE m.id = v.id",
                params[start * (len(fields) + 1) : (start + len(chunk)) * (len(fields) + 1)],
            )


def _apply(mark_line: MarkLine, line: LineInput) -> list[tuple[int, str, str]]:
    """Set the submitted values on the line; return (test, old, new) for each change."""
    diffs = []
    for test in (*TESTS, ACTIVITIES):
        if test not in line.scores and test not in line.absent:
            continue
        score_field, absent_field = _field(test)
        old_score, old_absent = getattr(mark_line, score_field), getattr(mark_line, absent_field)
        absent = bool(line.absent.get(test, False))
        score = None if absent else line.scores.get(test)
        old, new = _shown(old_score, old_absent), _shown(score, absent)
        if old != new:
            setattr(mark_line, score_field, score)
            setattr(mark_line, absent_field, absent)
            diffs.append((test, old, new))
    if line.remark is not None and line.remark.strip() != mark_line.remark:
        diffs.append((0, mark_line.remark, line.remark.strip()))
        mark_line.remark = line.remark.strip()[:200]
    return diffs


def grade_book_validate(*, scope: Scope, actor, school_class, subject, semester) -> GradeBook:
    """The director validates a class × subject × semester: its marks are locked."""
    if not scope.manages_school(school_class.school_id):
        raise GradeError(
            "forbidden", _("Only the school's director may validate marks."), status=403
        )
    from massar.core.audit import audit_record

    with transaction.atomic():
        book = grade_book_get(
            school_class=school_class, subject=subject, semester=semester, lock=True
        )
        if book.is_locked:
            return book
        book.validated_at = timezone.now()
        book.validated_by = actor
        book.save(update_fields=["validated_at", "validated_by"])
        audit_record(
            actor=actor,
            action="grades.validate",
            object_type="grade_book",
            object_id=book.pk,
            school_id=book.school_id,
            after={
                "class": school_class.name,
                "subject": subject.code,
                "semester": semester.number,
            },
        )
    return book
