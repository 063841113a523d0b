from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from massar.core.access import role_required
from massar.core.paging import CappedPaginator
from massar.core.services import AccountError
from massar.registry import selectors, services

SEARCH_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER")
FILE_ROLES = (*SEARCH_ROLES, "GUARDIAN", "STUDENT")


@role_required(*SEARCH_ROLES)
def student_search(request, scope):
    text = request.GET.get("q", "")
    qs = selectors.student_search_ordered(scope, text=text)
    page = CappedPaginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "registry/student_search.html", {"page": page, "q": text})


@role_required(*FILE_ROLES)
def student_detail(request, student_id: int, scope):
    context = selectors.student_file(scope, student_id)
    services.student_file_read(actor=request.user, student=context["student"])
    context["can_issue_password"] = bool(
        scope.school_ids & {e.school_id for e in context["history"] if e.status == "ENROLLED"}
    )
    return render(request, "registry/student_detail.html", context)


@require_POST
@role_required("DIRECTOR", "STAFF")
def student_password(request, student_id: int, scope):
    student = selectors.student_get(scope, student_id)
    try:
        password = services.student_password_issue(scope=scope, actor=request.user, student=student)
    except AccountError as err:
        messages.error(request, err.message)
        return redirect("registry:student_detail", student_id=student.pk)
    return render(
        request, "registry/password_issued.html", {"student": student, "password": password}
    )
