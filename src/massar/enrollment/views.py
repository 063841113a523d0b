from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massar.core.access import role_required
from massar.core.exports import export_response
from massar.enrollment import selectors, services
from massar.enrollment.exports import STUDENT_COLUMNS, student_export_rows
from massar.enrollment.forms import RegistrationForm, UploadForm
from massar.enrollment.student_import import Problem, template_csv, template_xlsx
from massar.registry import selectors as registry_selectors
from massar.registry.services import (
    RegistryError,
    student_duplicate_candidates,
)

IMPORT_ROLES = services.IMPORT_ROLES
DESK_ROLES = ("DIRECTOR", "STAFF")
SEARCH_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER")


@role_required(*IMPORT_ROLES)
def import_students(request, scope):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        schools = list(selectors.desk_schools(scope)[:2])
        batch = services.import_batch_create(
            scope=scope,
            actor=request.user,
            upload=form.cleaned_data["file"],
            school_id=schools[0].pk if len(schools) == 1 else None,
        )
        return redirect("enrollment:import_detail", batch_id=batch.pk)
    batches = selectors.import_batch_list(scope, request.user).order_by("-created_at")[:20]
    return render(request, "enrollment/import_students.html", {"form": form, "batches": batches})


@role_required(*IMPORT_ROLES)
def import_detail(request, batch_id: int, scope):
    batch = selectors.import_batch_get(scope, request.user, batch_id)
    problems = Paginator([Problem.from_dict(p) for p in batch.problems], 100).get_page(
        request.GET.get("page")
    )
    only_duplicates = bool(batch.problems) and all(
        p["code"] == "likely_duplicate" for p in batch.problems
    )
    return render(
        request,
        "enrollment/import_detail.html",
        {"batch": batch, "problems": problems, "only_duplicates": only_duplicates},
    )


@require_POST
@role_required(*IMPORT_ROLES)
def import_load(request, batch_id: int, scope):
    batch = selectors.import_batch_get(scope, request.user, batch_id)
    try:
        batch = services.import_batch_load(actor=request.user, batch=batch)
    except services.ImportRefused as refused:
        messages.error(request, str(refused))
    return redirect("enrollment:import_detail", batch_id=batch.pk)


@require_POST
@role_required(*IMPORT_ROLES)
def import_accept_new(request, batch_id: int, scope):
    batch = selectors.import_batch_get(scope, request.user, batch_id)
    services.import_batch_accept_new_identities(actor=request.user, batch=batch)
    return redirect("enrollment:import_detail", batch_id=batch.pk)


@role_required(*IMPORT_ROLES)
def import_template(request, fmt: str, scope):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if fmt == "xlsx":
        response = HttpResponse(
            template_xlsx(),
            content_type=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    else:
        response = HttpResponse("\ufeff" + template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="massar-students.{fmt}"'
    return response


@role_required(*SEARCH_ROLES)
def student_export(request, fmt: str, scope):
    students = registry_selectors.student_search(scope, text=request.GET.get("q", ""))
    return export_response(
        fmt, STUDENT_COLUMNS, student_export_rows(scope, students=students), "students"
    )


def _desk_school(scope, request):
    schools = list(selectors.desk_schools(scope))
    if not schools:
        raise PermissionDenied
    wanted = request.POST.get("school") or request.GET.get("school")
    return next((s for s in schools if str(s.pk) == wanted), schools[0]), schools


@role_required(*DESK_ROLES)
def student_register(request, scope):
    school, schools = _desk_school(scope, request)
    form = RegistrationForm(request.POST or None)
    context = {"form": form, "school": school, "schools": schools}
    if request.method != "POST" or not form.is_valid():
        return render(request, "enrollment/student_register.html", context)
    data, action = form.identity(), request.POST.get("action", "check")
    candidates = student_duplicate_candidates(data)
    level, track = form.cleaned_data["level"], form.cleaned_data["track"]
    try:
        if action == "link":
            candidate = request.POST.get("candidate", "")
            student = services.student_link_and_enroll(
                actor=request.user,
                scope=scope,
                candidates=candidates,
                candidate_id=int(candidate) if candidate.isdigit() else 0,
                data=data,
                school=school,
                level=level,
                track=track,
            )
        elif candidates and action != "new":
            context["candidates"] = candidates
            return render(request, "enrollment/student_register.html", context)
        else:
            student = services.student_register_and_enroll(
                actor=request.user,
                scope=scope,
                school=school,
                level=level,
                track=track,
                data=data,
                guardian=form.guardian(),
                confirmed_new=action == "new",
                seen_candidates=[int(i) for i in request.POST.getlist("seen") if i.isdigit()],
            )
    except (RegistryError, services.EnrollmentError) as err:
        form.add_error(None, err.message)
        context["candidates"] = candidates
        return render(request, "enrollment/student_register.html", context)
    messages.success(
        request,
        _("%(name)s is enrolled with Code Massar %(code)s.")
        % {"name": student.full_name_fr, "code": student.code_massar},
    )
    return redirect("registry:student_detail", student_id=student.pk)
