"""Pages of the test calendar: the staff calendar by week (plan, move, cancel), and the
upcoming tests of a student, for the student and their guardians."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from massar.assessment import calendar_selectors as selectors
from massar.assessment import calendar_services as services
from massar.core.access import role_required
from massar.core.paging import CappedPaginator
from massar.schools.models import Semester
from massar.schools.selectors import current_year

PAGE_SIZE = 40


class PlanForm(forms.Form):
    """Plan a test. The class × subject choices come from the caller's plannable
    assignments, already loaded (no second query for the select)."""

    assignment = forms.TypedChoiceField(
        label=gettext_lazy("Class and subject"),
        coerce=int,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    semester = forms.TypedChoiceField(
        label=gettext_lazy("Semester"),
        coerce=int,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    number = forms.TypedChoiceField(
        label=gettext_lazy("Test"),
        coerce=int,
        choices=[(n, n) for n in range(1, services.MAX_TEST_NUMBER + 1)],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}),
    )

    def __init__(self, *args, assignments: list, semesters: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignments = {a.pk: a for a in assignments}
        self.semesters = {s.pk: s for s in semesters}
        self.fields["assignment"].choices = [
            (a.pk, f"{a.school_class.name} · {a.subject.name}") for a in assignments
        ]
        self.fields["semester"].choices = [(s.pk, s.get_number_display()) for s in semesters]

    def clean(self):
        data = super().clean()
        if "assignment" in data:
            data["assignment"] = self.assignments[data["assignment"]]
        if "semester" in data:
            data["semester"] = self.semesters[data["semester"]]
        return data


class MoveForm(forms.Form):
    date = forms.DateField()


def _back(request) -> HttpResponseRedirect:
    """Back to the calendar with the filters the form carried."""
    params = {k: request.POST[k] for k in ("when", "class", "page") if request.POST.get(k)}
    url = reverse("assessment:calendar")
    return HttpResponseRedirect(f"{url}?{urlencode(params)}" if params else url)


@role_required(*selectors.READ_ROLES)
def calendar(request, scope):
    """The calendar of the tests the user may see, by week: upcoming (default) or past."""
    year = current_year()
    when = "past" if request.GET.get("when") == "past" else "upcoming"
    class_id = request.GET.get("class")
    class_id = int(class_id) if class_id and class_id.isdigit() else None
    assignment_list = list(selectors.plannable_assignments(scope, year_id=year.pk)) if year else []
    plannable = {(a.school_class_id, a.subject_id) for a in assignment_list}
    tests = selectors.planned_tests(
        scope, year_id=year.pk if year else None, school_class_id=class_id, when=when
    )
    page = CappedPaginator(tests, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = [
        {
            "test": t,
            "week": t.date - timedelta(days=t.date.weekday()),
            "can_change": (t.school_class_id, t.subject_id) in plannable
            and t.status == "PLANNED"
            and t.date >= today,
        }
        for t in page
    ]
    form = None
    if assignment_list and scope.has(*selectors.PLAN_ROLES):
        semesters = list(Semester.objects.filter(year=year).order_by("number"))
        form = PlanForm(assignments=assignment_list, semesters=semesters)
    classes = sorted(
        {(a.school_class_id, a.school_class.name) for a in assignment_list}, key=lambda c: c[1]
    )
    return render(
        request,
        "assessment/calendar.html",
        {
            "page": page,
            "rows": rows,
            "when": when,
            "class_id": class_id,
            "classes": classes,
            "form": form,
            "year": year,
            "today": today,
        },
    )


@require_POST
@role_required(*selectors.PLAN_ROLES)
def calendar_new(request, scope):
    year = current_year()
    form = PlanForm(
        request.POST,
        assignments=list(selectors.plannable_assignments(scope, year_id=year.pk if year else 0)),
        semesters=list(Semester.objects.filter(year=year)),
    )
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return _back(request)
    assignment = form.cleaned_data["assignment"]
    try:
        test = services.planned_test_create(
            scope=scope,
            actor=request.user,
            school_class=assignment.school_class,
            subject=assignment.subject,
            semester=form.cleaned_data["semester"],
            number=form.cleaned_data["number"],
            date=form.cleaned_data["date"],
        )
    except services.CalendarError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request,
            _("Test %(number)s of %(subject)s for class %(class)s is planned on %(date)s.")
            % {
                "number": test.number,
                "subject": assignment.subject.name,
                "class": assignment.school_class.name,
                "date": test.date.strftime("%d/%m/%Y"),
            },
        )
    return _back(request)


@require_POST
@role_required(*selectors.PLAN_ROLES)
def calendar_move(request, scope, test_id: int):
    test = selectors.planned_test_get(scope, test_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the new date of the test."))
        return _back(request)
    try:
        services.planned_test_move(
            scope=scope, actor=request.user, test=test, date=form.cleaned_data["date"]
        )
    except services.CalendarError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request,
            _("The test is moved to %(date)s; its students and their guardians are notified.")
            % {"date": form.cleaned_data["date"].strftime("%d/%m/%Y")},
        )
    return _back(request)


@require_POST
@role_required(*selectors.PLAN_ROLES)
def calendar_cancel(request, scope, test_id: int):
    test = selectors.planned_test_get(scope, test_id)
    try:
        services.planned_test_cancel(
            scope=scope, actor=request.user, test=test, reason=request.POST.get("reason", "")
        )
    except services.CalendarError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request, _("The test is cancelled; its students and their guardians are notified.")
        )
    return _back(request)


@role_required(*selectors.FAMILY_ROLES)
def upcoming(request, scope):
    """A student's upcoming tests: the student's own, or a guardian's child's (a switch
    between children; another family's child is 404)."""
    children = list(selectors.family_students(scope))
    wanted = request.GET.get("student")
    if wanted:
        if not wanted.isdigit():
            raise Http404
        student = selectors.family_student_get(scope, int(wanted))
    else:
        student = children[0] if children else None
    tests = list(selectors.upcoming_tests(scope, student)[:200]) if student else []
    return render(
        request,
        "assessment/calendar_upcoming.html",
        {"children": children, "student": student, "tests": tests},
    )
