from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from massar.core.access import role_required
from massar.core.exports import export_response
from massar.staff import selectors, services
from massar.staff.forms import StaffForm

LIST_ROLES = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF")
DIRECTOR = ("DIRECTOR",)


# --- credential sheets (also used by enrollment's class sheets) ---------------------------------


def _refuse_fetch(url, *args, **kwargs):
    """The sheets embed nothing from outside: WeasyPrint must not fetch any URL."""
    raise ValueError(f"no external resources in credential sheets: {url}")


def sign_in_instructions(request) -> dict:
    """The sign-in address and the sentence telling the reader to change the password, in the
    reader's language and, on a French or English sheet, in Arabic as well (once translated)."""
    address = request.build_absolute_uri(reverse("core:login"))

    def sentence():
        return _(
            "Sign in at %(address)s with this identifier and this initial password. You will "
            "be asked to choose your own password at the first sign-in; keep it secret."
        ) % {"address": address}

    primary = sentence()
    second = ""
    if (translation.get_language() or "")[:2] != "ar":
        with translation.override("ar"):
            second = sentence()
    return {
        "sign_in_url": address,
        "instruction": primary,
        "instruction_ar": second if second != primary else "",
        "issued_on": timezone.localdate(),
    }


def credentials_pdf(request, *, template: str, context: dict, filename: str) -> HttpResponse:
    """A credential sheet as a PDF attachment. The passwords in it exist nowhere else: the
    response must not be cached by the browser or any proxy."""
    from weasyprint import HTML

    html = render_to_string(template, {**sign_in_instructions(request), **context}, request)
    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store, private"
    response["Pragma"] = "no-cache"
    return response


# --- staff pages -------------------------------------------------------------------------------


@role_required(*LIST_ROLES)
def staff_list(request, scope):
    school = None
    if request.GET.get("school"):
        school = selectors.staff_school(scope, request.GET["school"])
    text = request.GET.get("q", "").strip()
    qs = selectors.staff_list(scope, school_id=school.pk if school else None, text=text)
    page = Paginator(qs.order_by("last_name_fr", "first_name_fr", "pk"), 25).get_page(
        request.GET.get("page")
    )
    schools = list(selectors.staff_schools(scope)[: selectors.MAX_SCHOOL_CHOICES])
    return render(
        request,
        "staff/staff_list.html",
        {
            "page": page,
            "q": text,
            "school": school,
            "schools": schools,
            "can_create": bool(scope.director_school_ids),
        },
    )


STAFF_COLUMNS = [
    "ppr",
    "last_name_fr",
    "first_name_fr",
    "last_name_ar",
    "first_name_ar",
    "kind",
    "corps",
    "contract",
    "required_weekly_hours",
]


@role_required(*LIST_ROLES)
def staff_export(request, fmt: str, scope):
    """The staff list the user sees (same filters), as CSV or XLSX."""
    school = None
    if request.GET.get("school"):
        school = selectors.staff_school(scope, request.GET["school"])
    qs = selectors.staff_list(
        scope, school_id=school.pk if school else None, text=request.GET.get("q", "").strip()
    )
    rows = (
        list(r)
        for r in qs.order_by("last_name_fr", "first_name_fr", "pk")
        .values_list(*STAFF_COLUMNS)
        .iterator(chunk_size=2000)
    )
    return export_response(fmt, STAFF_COLUMNS, rows, "staff")


@role_required(*LIST_ROLES)
def staff_detail(request, staff_id: int, scope):
    member = selectors.staff_get(scope, staff_id)
    postings = list(member.postings.all())
    return render(
        request,
        "staff/staff_detail.html",
        {
            "member": member,
            "postings": postings,
            "subjects": list(member.subjects.all()),
            "detachable": [
                p
                for p in postings
                if scope.manages_school(p.school_id) and member.user_id != request.user.pk
            ],
            "is_director": bool(scope.director_school_ids),
        },
    )


@require_http_methods(["GET", "POST"])
@role_required(*DIRECTOR)
def staff_create(request, scope):
    school = selectors.director_school(
        scope, request.POST.get("school") or request.GET.get("school")
    )
    form = StaffForm(request.POST or None)
    context = {"form": form, "school": school, "schools": list(selectors.director_schools(scope))}
    if request.method == "POST" and form.is_valid():
        try:
            member = services.staff_create(
                actor=request.user,
                scope=scope,
                school=school,
                data=form.record(),
                subjects=form.cleaned_data["subjects"],
            )
        except services.StaffError as err:
            form.add_error("ppr" if err.code in ("bad_ppr", "ppr_exists") else None, err.message)
            if err.existing is not None:
                context["existing"] = err.existing
                context["existing_here"] = err.existing.postings.filter(school=school).exists()
        else:
            messages.success(
                request,
                _("%(name)s is on the staff of %(school)s.")
                % {"name": str(member), "school": school.name},
            )
            return redirect("staff:staff_detail", staff_id=member.pk)
    return render(request, "staff/staff_form.html", context)


@require_POST
@role_required(*DIRECTOR)
def staff_attach(request, staff_id: int, scope):
    member = selectors.staff_for_attach(scope, staff_id=staff_id, ppr=request.POST.get("ppr", ""))
    school = selectors.director_school(scope, request.POST.get("school"))
    created = services.staff_attach(actor=request.user, scope=scope, member=member, school=school)
    if created:
        messages.success(
            request,
            _("%(name)s is now on the staff of %(school)s.")
            % {"name": str(member), "school": school.name},
        )
    else:
        messages.info(
            request,
            _("%(name)s was already on the staff of %(school)s.")
            % {"name": str(member), "school": school.name},
        )
    return redirect("staff:staff_detail", staff_id=member.pk)


@require_POST
@role_required(*DIRECTOR)
def staff_detach(request, staff_id: int, scope):
    member = selectors.staff_get(scope, staff_id)
    school = selectors.director_school(scope, request.POST.get("school"))
    try:
        services.staff_detach(actor=request.user, scope=scope, member=member, school=school)
    except services.StaffError as err:
        messages.error(request, err.message)
        return redirect("staff:staff_detail", staff_id=member.pk)
    messages.success(
        request,
        _("%(name)s is no longer on the staff of %(school)s.")
        % {"name": str(member), "school": school.name},
    )
    return redirect("staff:staff_list")


# --- accounts ----------------------------------------------------------------------------------


def _student_accounts_url() -> str | None:
    """The class-by-class student accounts page lives in enrollment (below staff)."""
    try:
        return reverse("class_accounts:class_list")
    except NoReverseMatch:
        return None


@require_http_methods(["GET", "POST"])
@role_required(*DIRECTOR)
def staff_accounts(request, scope):
    school = selectors.director_school(
        scope, request.POST.get("school") or request.GET.get("school")
    )
    if request.method == "POST":
        reissue = [int(i) for i in request.POST.getlist("reissue") if i.isdigit()]
        try:
            issued = services.staff_accounts_provision(
                actor=request.user, scope=scope, school=school, reissue=reissue
            )
        except services.StaffError as err:
            messages.error(request, err.message)
            return redirect(f"{reverse('staff:staff_accounts')}?school={school.pk}")
        if not issued:
            messages.info(
                request,
                _("Every staff member already has an account; nothing was issued."),
            )
            return redirect(f"{reverse('staff:staff_accounts')}?school={school.pk}")
        return credentials_pdf(
            request,
            template="staff/credentials.html",
            context={"school": school, "issued": issued},
            filename=f"massar-staff-accounts-{school.code}.pdf",
        )
    qs = selectors.staff_accounts(scope, school)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "staff/accounts.html",
        {
            "school": school,
            "schools": list(selectors.director_schools(scope)),
            "page": page,
            "without_account": qs.filter(user__isnull=True).count(),
            "student_accounts_url": _student_accounts_url(),
        },
    )
