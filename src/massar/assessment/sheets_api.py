"""API of Massar grade sheets (mounted under /api/v1/evaluation/): download a class × subject ×
semester sheet as XLSX, upload a filled one (multipart, field `file`).

A refused upload answers {"code", "message", "problems": [{"where": cell, "message"}]}: 400
for bad cells or a sheet for another class (code bad_cells, other_sheet, not_xlsx, too_large,
bad_sheet), 403 for who may not write, 409 for a lock, a deadline or a racing save."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import File, Router, Schema
from ninja.files import UploadedFile

from massar.assessment import sheet_io
from massar.core.scopes import scope_for

router = Router(tags=["evaluation"])


class SheetResultOut(Schema):
    rows: int  # data rows read from the sheet
    lines_written: int  # rows whose marks changed
    marks_changed: int


def _scope(request):
    scope = scope_for(request.user)
    if not scope.has(*sheet_io.SHEET_ROLES):
        raise PermissionDenied
    return scope


@router.get("/sheets/{class_id}/{subject_id}/{semester}/xlsx", response={200: None})
def sheet_download(request, class_id: int, subject_id: int, semester: int):
    """The grade sheet (XLSX, Massar's NotesCC layout) with the stored marks."""
    target, _role = sheet_io.sheet_book_get(
        _scope(request), class_id=class_id, subject_id=subject_id, semester_number=semester
    )
    names = {
        "school_class": target.school_class,
        "subject": target.subject,
        "semester": target.semester,
    }
    response = HttpResponse(sheet_io.sheet_build(**names), content_type=sheet_io.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{sheet_io.sheet_filename(**names)}"'
    return response


@router.post("/sheets/{class_id}/{subject_id}/{semester}", response=SheetResultOut)
def sheet_upload(
    request,
    class_id: int,
    subject_id: int,
    semester: int,
    file: UploadedFile = File(...),  # noqa: B008 (ninja's idiom)
):
    """Check a filled grade sheet and, when every cell is right, save its marks."""
    scope = _scope(request)
    target, role = sheet_io.sheet_book_get(
        scope, class_id=class_id, subject_id=subject_id, semester_number=semester
    )
    if role not in ("teacher", "director"):
        raise PermissionDenied
    result = sheet_io.sheet_import(
        scope=scope,
        actor=request.user,
        data=file.read(sheet_io.MAX_BYTES + 1),
        target=target,
        source="sheet",
    )
    return {
        "rows": result.rows,
        "lines_written": result.lines_written,
        "marks_changed": result.marks_changed,
    }
