"""Pages of Massar grade sheets: the list of the user's class × subject sheets, a sheet's page
(download, and upload for its teacher or the director) and the download itself."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy, ngettext

from massar.assessment import sheet_io
from massar.assessment.grades import GradeError
from massar.core.access import role_required
from massar.schools.models import Semester
from massar.schools.selectors import current_year

LIST_ROLES = ("TEACHER", "DIRECTOR", "STAFF")


class SheetUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled grade sheet (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "class": "form-control",
                "accept": ".xlsx," + sheet_io.XLSX_TYPE,
            }
        ),
    )


@role_required(*LIST_ROLES)
def sheet_list(request, scope):
    page = Paginator(sheet_io.sheet_books(scope), 50).get_page(request.GET.get("page"))
    year = current_year()
    semesters = list(Semester.objects.filter(year=year).order_by("number")) if year else []
    return render(
        request,
        "assessment/sheet_list.html",
        {"page": page, "semesters": semesters, "many_schools": len(scope.school_ids) > 1},
    )


@role_required(*sheet_io.SHEET_ROLES)
def sheet_download(request, class_id: int, subject_id: int, semester: int, scope):
    target, _role = sheet_io.sheet_book_get(
        scope, class_id=class_id, subject_id=subject_id, semester_number=semester
    )
    names = {
        "school_class": target.school_class,
        "subject": target.subject,
        "semester": target.semester,
    }
    response = HttpResponse(sheet_io.sheet_build(**names), content_type=sheet_io.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{sheet_io.sheet_filename(**names)}"'
    return response


@role_required(*sheet_io.SHEET_ROLES)
def sheet_upload(request, class_id: int, subject_id: int, semester: int, scope):
    target, role = sheet_io.sheet_book_get(
        scope, class_id=class_id, subject_id=subject_id, semester_number=semester
    )
    may_upload = role in ("teacher", "director")
    problems, refusal = [], ""
    form = SheetUploadForm()
    if request.method == "POST":
        if not may_upload:
            raise PermissionDenied
        form = SheetUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                if upload.size > sheet_io.MAX_BYTES:
                    data = upload.read(sheet_io.MAX_BYTES + 1)
                else:
                    data = upload.read()
                result = sheet_io.sheet_import(
                    scope=scope, actor=request.user, data=data, target=target, source="sheet"
                )
            except GradeError as refused:
                refusal = refused.message
                problems = sheet_io.problem_lines(
                    [p for p in refused.problems if p.get("where") or p["message"] != refusal]
                )
            else:
                messages.success(
                    request,
                    ngettext(
                        "The sheet was saved: %(marks)s mark changed in %(lines)s.",
                        "The sheet was saved: %(marks)s marks changed in %(lines)s.",
                        result.marks_changed,
                    )
                    % {
                        "marks": result.marks_changed,
                        "lines": ngettext(
                            "%(count)s row of %(rows)s",
                            "%(count)s rows of %(rows)s",
                            result.lines_written,
                        )
                        % {"count": result.lines_written, "rows": result.rows},
                    },
                )
                return redirect(request.get_full_path())
    return render(
        request,
        "assessment/sheet_upload.html",
        {
            "target": target,
            "form": form,
            "may_upload": may_upload,
            "problems": problems,
            "refusal": refusal,
        },
    )
