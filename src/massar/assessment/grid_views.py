"""Pages of the grade grid: the grade books a user may open, one grid (entry, validation and
correction), the history of a class's and of one mark's changes, and grade-entry deadlines."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massar.assessment import grid_selectors as sel
from massar.assessment.grades import GradeError, grade_book_validate
from massar.assessment.grid_services import (
    RowInput,
    column_key,
    column_label,
    deadline_set,
    grid_save,
)
from massar.assessment.models import MarkChange
from massar.assessment.models.marks import ACTIVITIES
from massar.core.access import role_required
from massar.enrollment.models import SchoolClass

READ_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER")
DEADLINE_ROLES = ("MINISTRY", "DIRECTOR")
PAGE_SIZE = 50


def _names(student) -> tuple[str, str]:
    """The student's names in the page's script first, the other script second."""
    ar = f"{student.last_name_ar} {student.first_name_ar}".strip()
    fr = f"{student.last_name_fr} {student.first_name_fr}".strip()
    return (ar, fr) if (get_language() or "fr")[:2] == "ar" else (fr, ar)


def _book_kwargs(grid) -> dict:
    return {
        "class_id": grid.school_class.pk,
        "subject_id": grid.subject.pk,
        "semester": grid.semester.number,
    }


def grid_url(grid) -> str:
    return reverse("assessment:grid", kwargs=_book_kwargs(grid))


# --- the list of grade books ------------------------------------------------------------------
@role_required(*READ_ROLES)
def grade_books(request, scope):
    year, semesters = sel.current_semesters()
    if year is None or not semesters:
        raise Http404
    semester = sel.semester_pick(semesters, request.GET.get("semester"))
    teacher_only = not (scope.school_ids or scope.is_territorial)
    school = None
    if not teacher_only:
        school = sel.book_school(scope, request.GET.get("school"))
        if school is None:
            page = Paginator(sel.schools_to_choose(scope, request.GET.get("q", "")), 50)
            return render(
                request,
                "assessment/grid_schools.html",
                {"page": page.get_page(request.GET.get("page")), "q": request.GET.get("q", "")},
            )
    level_code = request.GET.get("level", "")
    class_id = request.GET.get("class", "")
    class_id = int(class_id) if class_id.isdigit() else None
    assignments = sel.book_assignments(
        scope, year=year, school=school, level_code=level_code, class_id=class_id
    )
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    states = sel.book_states(list(page), semester)
    classes = []
    if school is not None:
        classes = list(
            SchoolClass.objects.filter(school=school, year=year)
            .select_related("level")
            .order_by("level__order", "name")
        )
    levels = {c.level.code: c.level for c in classes}
    return render(
        request,
        "assessment/grid_books.html",
        {
            "page": page,
            "states": states,
            "semester": semester,
            "semesters": semesters,
            "school": school,
            "teacher_only": teacher_only,
            "classes": classes,
            "levels": list(levels.values()),
            "filters": {"level": level_code, "class": class_id},
            "year": year,
            "can_set_deadlines": scope.has(*DEADLINE_ROLES),
        },
    )


# --- one grid ---------------------------------------------------------------------------------
def _posted_rows(request, grid) -> list[RowInput]:
    """The grid as the form posted it: one `row` per student id, then per row its version
    `v<id>`, mark texts `m<id>_<column>`, absences `a<id>_<column>`, remark `r<id>`."""
    post = request.POST
    rows = []
    for raw in post.getlist("row"):
        if not raw.isdigit():
            continue
        sid = int(raw)
        version = post.get(f"v{sid}", "")
        row = RowInput(
            student_id=sid,
            version=int(version) if version.isdigit() else None,
            label=post.get(f"c{sid}", "")[:20],
        )
        for test in grid.columns:
            key = column_key(test)
            if f"m{sid}_{key}" in post:
                row.scores[key] = post.get(f"m{sid}_{key}", "")
                row.absent[key] = post.get(f"a{sid}_{key}") == "1"
        if f"r{sid}" in post:
            row.remark = post.get(f"r{sid}", "")
        rows.append(row)
    return rows


def _render_grid(request, grid, *, typed=None, error=None, reason="", status=200):
    """The grid page. After a refused save, `typed` (the posted rows) replaces the stored
    values of those rows so that nothing the user typed is lost, and `error`'s problems mark
    their cells and rows."""
    if not grid.rows:
        grid.rows = sel.grid_rows(grid)
    typed = {r.student_id: r for r in (typed or [])}
    cell_errors, row_errors = {}, {}
    if error is not None:
        by_label = {r["code_massar"]: r["student_id"] for r in grid.rows}
        by_label.update({str(r["student_id"]): r["student_id"] for r in grid.rows})
        for p in error.problems:
            sid = p.get("student_id") or by_label.get(p.get("where"))
            if sid is None:
                continue
            if p.get("field"):
                cell_errors[(sid, p["field"])] = p["message"]
            else:
                row_errors[sid] = p["message"]
    rows = []
    for r in grid.rows:
        sid = r["student_id"]
        posted = typed.get(sid)
        name, other = _names(r["student"])
        cells = []
        for test in grid.columns:
            key = column_key(test)
            value, absent = r["cells"][test]["value"], r["cells"][test]["absent"]
            if posted is not None and key in posted.scores:
                value, absent = posted.scores[key], posted.absent.get(key, False)
            cells.append(
                {
                    "key": key,
                    "test": test,
                    "value": value,
                    "absent": absent,
                    "label": column_label(test),
                    "error": cell_errors.get((sid, key)),
                }
            )
        remark = posted.remark if posted is not None and posted.remark is not None else r["remark"]
        rows.append(
            {
                **r,
                "name": name,
                "other_name": other,
                "cells_list": cells,
                "remark": remark,
                "remark_error": cell_errors.get((sid, "remark")),
                "row_error": row_errors.get(sid),
                # after a conflict, what is stored now beside what the user typed
                "stored": [
                    {
                        "label": column_label(t),
                        "value": "ABS"
                        if r["cells"][t]["absent"]
                        else (r["cells"][t]["value"] or "—"),
                    }
                    for t in grid.columns
                ]
                if sid in row_errors and posted is not None
                else None,
                "version": posted.version
                if posted is not None and posted.version is not None
                else r["version"],
            }
        )
    columns = [
        {
            "key": column_key(t),
            "test": t,
            "label": column_label(t),
            "is_activities": t == ACTIVITIES,
        }
        for t in grid.columns
    ]
    return render(
        request,
        "assessment/grid.html",
        {
            "grid": grid,
            "rows": rows,
            "columns": columns,
            "error": error,
            "reason": reason,
            "kwargs": _book_kwargs(grid),
            "open": grid.editable or grid.correctable,
            "typed_ids": set(typed),
            "messages_js": _live_messages(),
        },
        status=status,
    )


def _live_messages() -> dict:
    """The live validation's messages, the same sentences as the server's ({value} is
    replaced in the browser)."""
    value = {"value": "{value}"}
    return {
        "not_mark": _("“%(value)s” is not a mark") % value,
        "below": _("%(value)s is below 0") % value,
        "above": _("%(value)s is above 20") % value,
        "decimals": _("%(value)s has more than two decimals") % value,
        "invalid": _("Some marks are not valid: correct the marked cells before saving."),
    }


def _book(scope, class_id, subject_id, semester, *, rows=False):
    get = sel.grid_get if rows else sel.book_get
    return get(scope, class_id=class_id, subject_id=subject_id, semester_number=semester)


@role_required(*READ_ROLES)
def grid(request, class_id: int, subject_id: int, semester: int, scope):
    """GET: the grid. POST: save the whole grid (source "grid") in one request."""
    if request.method != "POST":
        return _render_grid(request, _book(scope, class_id, subject_id, semester, rows=True))
    return _save(request, scope, _book(scope, class_id, subject_id, semester), correction=False)


def _save(request, scope, grid, *, correction: bool):
    rows = _posted_rows(request, grid)
    reason = request.POST.get("reason", "").strip()
    try:
        summary = grid_save(
            scope=scope,
            actor=request.user,
            grid=grid,
            rows=rows,
            source="correction" if correction else "grid",
            correction=correction,
            reason=reason,
        )
    except GradeError as err:
        if err.code == "forbidden":
            raise PermissionDenied from err
        return _render_grid(request, grid, typed=rows, error=err, reason=reason, status=err.status)
    if summary.marks_changed:
        messages.success(
            request,
            ngettext(
                "Saved: %(count)s change on %(rows)s.",
                "Saved: %(count)s changes on %(rows)s.",
                summary.marks_changed,
            )
            % {
                "count": summary.marks_changed,
                "rows": ngettext("%(count)s row", "%(count)s rows", summary.lines_written)
                % {"count": summary.lines_written},
            },
        )
    else:
        messages.info(request, _("Nothing had changed: nothing to save."))
    return redirect(grid_url(grid))


@require_POST
@role_required("DIRECTOR")
def grid_correct(request, class_id: int, subject_id: int, semester: int, scope):
    """The director's correction of a validated grid: the changed marks, with a reason."""
    return _save(request, scope, _book(scope, class_id, subject_id, semester), correction=True)


@require_POST
@role_required("DIRECTOR")
def grid_validate(request, class_id: int, subject_id: int, semester: int, scope):
    grid = _book(scope, class_id, subject_id, semester)
    try:
        grade_book_validate(
            scope=scope,
            actor=request.user,
            school_class=grid.school_class,
            subject=grid.subject,
            semester=grid.semester,
        )
    except GradeError as err:
        raise PermissionDenied from err
    messages.success(
        request,
        _("The marks are validated and locked; a change now needs a correction with a reason."),
    )
    return redirect(grid_url(grid))


# --- history ----------------------------------------------------------------------------------
def _change_rows(changes) -> list[dict]:
    sources = dict(MarkChange.Source.choices)
    rows = []
    for c in changes:
        name, _other = _names(c.student)
        rows.append(
            {
                "change": c,
                "student_name": name,
                "what": _("Remark") if c.test == 0 else column_label(c.test),
                "source": sources.get(c.source, c.source),
                "actor": (c.actor.get_full_name() or c.actor.username) if c.actor else "",
            }
        )
    return rows


@role_required(*READ_ROLES)
def grid_history(request, class_id: int, subject_id: int, semester: int, scope):
    grid = _book(scope, class_id, subject_id, semester)
    page = Paginator(sel.history_for_book(grid), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessment/grid_history.html",
        {"grid": grid, "page": page, "changes": _change_rows(page), "kwargs": _book_kwargs(grid)},
    )


@role_required(*READ_ROLES)
def grid_mark_history(
    request, class_id: int, subject_id: int, semester: int, student_id: int, test: int, scope
):
    grid = _book(scope, class_id, subject_id, semester)
    if test != 0 and test not in grid.columns:
        raise Http404
    student = sel.student_in_book(grid, student_id)
    changes = list(sel.history_for_mark(grid, student_id=student.pk, test=test)[:500])
    name, other = _names(student)
    return render(
        request,
        "assessment/grid_mark_history.html",
        {
            "grid": grid,
            "student": student,
            "name": name,
            "other_name": other,
            "what": _("Remark") if test == 0 else column_label(test),
            "changes": _change_rows(changes),
            "kwargs": _book_kwargs(grid),
        },
    )


# --- deadlines --------------------------------------------------------------------------------
@role_required(*DEADLINE_ROLES)
def grid_deadlines(request, scope):
    year, semesters = sel.current_semesters()
    if year is None:
        raise Http404
    school = None
    if scope.director_school_ids:
        school = sel.book_school(scope, request.POST.get("school") or request.GET.get("school"))
        if not scope.manages_school(school.pk):
            school = None
    if request.method == "POST":
        number = request.POST.get("semester", "")
        semester = next((s for s in semesters if str(s.number) == number), None)
        if semester is None:
            raise Http404
        national = request.POST.get("level") == "national"
        target = None if national else school
        if (national and not scope.nation) or (not national and school is None):
            raise PermissionDenied
        raw = request.POST.get("closes_on", "").strip()
        try:
            closes_on = date.fromisoformat(raw) if raw else None
        except ValueError:
            messages.error(request, _("“%(value)s” is not a date.") % {"value": raw})
            return redirect("assessment:grid_deadlines")
        try:
            deadline_set(
                scope=scope,
                actor=request.user,
                semester=semester,
                school=target,
                closes_on=closes_on,
            )
        except GradeError as err:
            if err.status == 403:
                raise PermissionDenied from err
            messages.error(request, err.message)
        else:
            messages.success(request, _("The deadline is saved."))
        return redirect("assessment:grid_deadlines")
    rows = []
    for s in semesters:
        dates = sel.deadlines_by_school(s, [school.pk] if school else [])
        rows.append(
            {
                "semester": s,
                "national": dates.get(None),
                "school": dates.get(school.pk) if school else None,
            }
        )
    return render(
        request,
        "assessment/grid_deadlines.html",
        {"rows": rows, "school": school, "year": year, "nation": scope.nation},
    )
