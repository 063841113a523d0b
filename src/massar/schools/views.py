from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massar.core.access import role_required
from massar.core.exports import export_response
from massar.schools import selectors, services
from massar.schools.forms import CurriculumAddForm, CurriculumValuesForm, SchoolYearForm
from massar.schools.models import CurriculumEntry, SchoolYear

OVERSIGHT = ("MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF")
STAFF_ROLES = (*OVERSIGHT, "TEACHER")
SCHOOL_COLUMNS = [
    "school_code",
    "name_fr",
    "name_ar",
    "directorate",
    "academy",
    "sector",
    "area",
    "primary",
    "college",
    "lycee",
    "students",
]


def _schools(request, scope):
    qs = selectors.school_list_with_counts(scope, selectors.current_year())
    return selectors.school_filter(
        qs,
        text=request.GET.get("q", "").strip(),
        directorate=request.GET.get("directorate", ""),
        sector=request.GET.get("sector", ""),
        cycle=request.GET.get("cycle", ""),
    ).order_by("directorate__code", "code")


@role_required(*OVERSIGHT)
def school_list(request, scope):
    page = Paginator(_schools(request, scope), 50).get_page(request.GET.get("page"))
    directorates = sorted({(s.directorate.code, s.directorate.name) for s in page})
    return render(
        request,
        "schools/school_list.html",
        {
            "page": page,
            "q": request.GET.get("q", ""),
            "filters": request.GET,
            "directorates": directorates,
        },
    )


@role_required(*OVERSIGHT)
def school_export(request, fmt: str, scope):
    rows = (
        [
            s.code,
            s.name_fr,
            s.name_ar,
            s.directorate.code,
            s.directorate.academy.code,
            s.sector,
            s.area,
            int(s.has_primary),
            int(s.has_middle),
            int(s.has_high),
            s.students,
        ]
        for s in _schools(request, scope).iterator(chunk_size=2000)
    )
    return export_response(fmt, SCHOOL_COLUMNS, rows, "schools")


@role_required(*OVERSIGHT)
def school_detail(request, school_id: int, scope):
    return render(
        request, "schools/school_detail.html", selectors.school_overview(scope, school_id)
    )


def _year(request) -> SchoolYear:
    code = request.GET.get("year") or request.POST.get("year")
    year = SchoolYear.objects.filter(code=code).first() if code else selectors.current_year()
    if year is None:
        raise Http404
    return year


@role_required(*STAFF_ROLES)
def curriculum(request, scope):
    year = _year(request)
    entries = list(selectors.curriculum_for(year))
    groups: dict = {}
    for e in entries:
        groups.setdefault((e.level, e.track), []).append(e)
    return render(
        request,
        "schools/curriculum.html",
        {
            "year": year,
            "years": SchoolYear.objects.all(),
            "groups": groups.items(),
            "can_edit": scope.nation and not year.is_closed,
            "add_form": CurriculumAddForm(),
        },
    )


@require_POST
@role_required("MINISTRY")
def curriculum_entry_edit(request, entry_id: int, scope):
    entry = get_object_or_404(
        CurriculumEntry.objects.select_related("year", "level", "subject"), pk=entry_id
    )
    if "remove" in request.POST:
        try:
            services.curriculum_entry_remove(scope=scope, actor=request.user, entry=entry)
        except services.SchoolsError as err:
            messages.error(request, err.message)
        return redirect(f"/curriculum/?year={entry.year.code}")
    form = CurriculumValuesForm(request.POST)
    if form.is_valid():
        try:
            services.curriculum_entry_update(
                scope=scope, actor=request.user, entry=entry, **form.cleaned_data
            )
            messages.success(
                request,
                _("%(subject)s, %(level)s: saved.")
                % {"subject": entry.subject.name, "level": entry.level.code},
            )
        except services.SchoolsError as err:
            messages.error(request, err.message)
    else:
        messages.error(
            request,
            _("%(subject)s, %(level)s: %(errors)s")
            % {
                "subject": entry.subject.name,
                "level": entry.level.code,
                "errors": " ".join(e for errs in form.errors.values() for e in errs),
            },
        )
    return redirect(f"/curriculum/?year={entry.year.code}#entry-{entry.pk}")


@require_POST
@role_required("MINISTRY")
def curriculum_add(request, scope):
    year = _year(request)
    form = CurriculumAddForm(request.POST)
    if form.is_valid():
        try:
            services.curriculum_entry_add(
                scope=scope, actor=request.user, year=year, **form.cleaned_data
            )
            messages.success(request, _("Subject added to the curriculum."))
        except services.SchoolsError as err:
            messages.error(request, err.message)
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(f"/curriculum/?year={year.code}")


@role_required("MINISTRY")
def school_years(request, scope):
    form = SchoolYearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            year = services.school_year_open(scope=scope, actor=request.user, **form.cleaned_data)
        except services.SchoolsError as err:
            form.add_error(None, err.message)
        else:
            messages.success(request, _("School year %(year)s is open.") % {"year": year.code})
            return redirect("schools:school_years")
    return render(
        request,
        "schools/school_years.html",
        {"form": form, "years": SchoolYear.objects.prefetch_related("semesters")},
    )
