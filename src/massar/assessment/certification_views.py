"""Pages of the certification exams: sessions (list, creation, detail with subjects and
candidates), the marks grid per subject and school, the CSV import, the results of a level
and one candidate's detail."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from massar.assessment import certification_selectors as sel
from massar.assessment import certification_services as svc
from massar.assessment.models import ExamMark, ExamSession, ExamSubject
from massar.assessment.models.certification import ExamKind
from massar.core.access import role_required
from massar.core.paging import CappedPaginator
from massar.schools.models import Level, School, SchoolYear, Track
from massar.schools.selectors import current_year

READ_ROLES = sel.READ_ROLES
PAGE_SIZE = 50


class SessionForm(forms.Form):
    year = forms.ModelChoiceField(
        label=gettext_lazy("School year"),
        queryset=SchoolYear.objects.order_by("-starts_on"),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    level = forms.ModelChoiceField(
        label=gettext_lazy("Level"),
        queryset=Level.objects.order_by("order"),
        to_field_name="code",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Exam"),
        choices=ExamKind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    round = forms.ChoiceField(
        label=gettext_lazy("Session"),
        choices=ExamSession.Round.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    held_on = forms.DateField(
        label=gettext_lazy("Date"),
        required=False,
        widget=forms.DateInput(attrs={"class": "form-control", "type": "date"}),
    )


def _error_message(request, err: svc.CertificationError) -> None:
    messages.error(request, err.message)
    for p in err.problems[:50]:
        messages.error(
            request,
            _("%(where)s: %(message)s") % {"where": p["where"], "message": p["message"]},
        )


@role_required(*READ_ROLES)
def exam_list(request, scope):
    page = CappedPaginator(sel.session_list(scope), PAGE_SIZE).get_page(request.GET.get("page"))
    can_create = scope.has(*sel.ORGANISER_ROLES)
    year = current_year()
    form = SessionForm(initial={"year": year.code if year else None}) if can_create else None
    return render(
        request,
        "assessment/certification_sessions.html",
        {"page": page, "form": form, "levels": Level.objects.order_by("order"), "year": year},
    )


@role_required(*sel.ORGANISER_ROLES)
def exam_new(request, scope):
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        school = None
        if request.POST.get("school"):
            school = School.objects.filter(code=request.POST["school"]).first()
        try:
            session = svc.exam_session_create(
                scope=scope,
                actor=request.user,
                school=school,
                **form.cleaned_data,
            )
        except svc.CertificationError as err:
            if err.status == 403:
                raise PermissionDenied from err
            _error_message(request, err)
        else:
            messages.success(request, _("The exam session is created."))
            return redirect("assessment:exam_detail", session_id=session.pk)
    return render(request, "assessment/certification_new.html", {"form": form})


@role_required(*READ_ROLES)
def exam_detail(request, session_id: int, scope):
    session = sel.session_get(scope, session_id)
    candidates = (
        sel.session_candidates(session)
        .filter(scope.schools_q("school__"))
        .select_related("student", "school", "track")
        .order_by("school__code", "student__code_massar")
    )
    page = CappedPaginator(candidates, PAGE_SIZE).get_page(request.GET.get("page"))
    manageable = sel.session_manageable(scope, session)
    return render(
        request,
        "assessment/certification_session.html",
        {
            "session": session,
            "subjects": ExamSubject.objects.filter(session=session)
            .select_related("subject")
            .order_by("subject__code"),
            "page": page,
            "manageable": manageable,
            "centres": svc.session_candidates_territory(session).order_by("code")[:200]
            if manageable
            else [],
            "tracks": Track.objects.filter(levels=session.level).order_by("code"),
        },
    )


def _managed(scope, session_id: int) -> ExamSession:
    session = sel.session_get(scope, session_id)
    if not sel.session_manageable(scope, session):
        raise PermissionDenied
    return session


@require_POST
@role_required(*sel.ORGANISER_ROLES)
def exam_subjects(request, session_id: int, scope):
    session = _managed(scope, session_id)
    codes = {k.removeprefix("coef_"): v for k, v in request.POST.items() if k.startswith("coef_")}
    try:
        svc.exam_subjects_save(scope=scope, actor=request.user, session=session, coefficients=codes)
        messages.success(request, _("The exam coefficients are saved."))
    except svc.CertificationError as err:
        _error_message(request, err)
    return redirect("assessment:exam_detail", session_id=session.pk)


@require_POST
@role_required(*sel.ORGANISER_ROLES)
def exam_register(request, session_id: int, scope):
    session = _managed(scope, session_id)
    try:
        added = svc.candidates_register(scope=scope, actor=request.user, session=session)
        messages.success(
            request,
            ngettext(
                "%(n)s enrolled student registered as a candidate.",
                "%(n)s enrolled students registered as candidates.",
                added,
            )
            % {"n": added},
        )
    except svc.CertificationError as err:
        _error_message(request, err)
    return redirect("assessment:exam_detail", session_id=session.pk)


@require_POST
@role_required(*sel.ORGANISER_ROLES)
def exam_free_candidate(request, session_id: int, scope):
    session = _managed(scope, session_id)
    centre = School.objects.filter(code=request.POST.get("centre", "").strip().upper()).first()
    track = Track.objects.filter(code=request.POST.get("track", "")).first()
    try:
        if centre is None:
            raise svc.CertificationError("centre", _("Choose the candidate's exam centre."))
        svc.free_candidate_add(
            scope=scope,
            actor=request.user,
            session=session,
            code_massar=request.POST.get("code_massar", ""),
            centre=centre,
            track=track,
        )
        messages.success(request, _("The free candidate is registered."))
    except svc.CertificationError as err:
        _error_message(request, err)
    return redirect("assessment:exam_detail", session_id=session.pk)


@role_required(*sel.ORGANISER_ROLES)
def exam_marks(request, session_id: int, scope):
    """The marks of one subject for one school's (or centre's) candidates, a page at a time."""
    session = _managed(scope, session_id)
    subjects = list(
        ExamSubject.objects.filter(session=session)
        .select_related("subject")
        .order_by("subject__code")
    )
    schools = list(sel.session_schools(session)[:500])
    params = request.POST if request.method == "POST" else request.GET
    subject = next((s.subject for s in subjects if s.subject.code == params.get("subject")), None)
    subject = subject or (subjects[0].subject if subjects else None)
    school = next((s for s in schools if s.code == params.get("school")), None)
    school = school or (schools[0] if schools else None)
    problems = []
    if request.method == "POST" and subject is not None:
        ids = [int(v) for v in request.POST.getlist("candidate") if v.isdigit()]
        rows = [
            {
                "candidate_id": cid,
                "code": request.POST.get(f"code_{cid}", str(cid)),
                "score": request.POST.get(f"score_{cid}", ""),
                "absent": request.POST.get(f"absent_{cid}") == "1",
            }
            for cid in ids
        ]
        try:
            result = svc.exam_marks_save(
                scope=scope, actor=request.user, session=session, subject=subject, rows=rows
            )
            messages.success(
                request,
                _("%(saved)s marks saved, %(cleared)s cleared.")
                % {"saved": result["saved"], "cleared": result["cleared"]},
            )
            url = reverse("assessment:exam_marks", args=[session.pk])
            return redirect(
                f"{url}?subject={subject.code}&school={school.code if school else ''}"
                f"&page={request.POST.get('page', 1)}"
            )
        except svc.CertificationError as err:
            messages.error(request, err.message)
            problems = err.problems
    candidates = (
        sel.session_candidates(session)
        .filter(school=school)
        .select_related("student")
        .order_by("student__code_massar")
    )
    page = CappedPaginator(candidates, PAGE_SIZE).get_page(params.get("page"))
    marks = {}
    if subject is not None:
        marks = {
            m.candidate_id: m
            for m in ExamMark.objects.filter(
                session=session, subject=subject, candidate_id__in=[c.pk for c in page]
            )
        }
    return render(
        request,
        "assessment/certification_marks.html",
        {
            "session": session,
            "subjects": subjects,
            "subject": subject,
            "schools": schools,
            "school": school,
            "page": page,
            "rows": [(c, marks.get(c.pk)) for c in page],
            "problems": problems,
        },
    )


@role_required(*sel.ORGANISER_ROLES)
def exam_import(request, session_id: int, scope):
    session = _managed(scope, session_id)
    problems, result = [], None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a CSV file."))
        else:
            try:
                result = svc.exam_marks_import(
                    scope=scope, actor=request.user, session=session, data=upload.read()
                )
                messages.success(
                    request,
                    ngettext(
                        "%(lines)s line imported: %(saved)s.",
                        "%(lines)s lines imported: %(saved)s.",
                        result["lines"],
                    )
                    % {
                        "lines": result["lines"],
                        "saved": ngettext(
                            "%(count)s mark saved", "%(count)s marks saved", result["saved"]
                        )
                        % {"count": result["saved"]},
                    },
                )
            except svc.CertificationError as err:
                messages.error(request, err.message)
                problems = err.problems
    return render(
        request,
        "assessment/certification_import.html",
        {"session": session, "problems": problems, "result": result},
    )


def _year_level(request) -> tuple[SchoolYear, Level | None]:
    params = request.POST if request.method == "POST" else request.GET
    year = (
        get_object_or_404(SchoolYear, code=params["year"]) if params.get("year") else current_year()
    )
    if year is None:
        raise Http404
    level = Level.objects.filter(code=params.get("level") or "3AC").first()
    return year, level


@role_required(*READ_ROLES)
def exam_results(request, scope):
    year, level = _year_level(request)
    page = None
    if level is not None:
        qs = sel.result_list(scope, year=year, level=level).select_related(
            "student", "school", "track"
        )
        outcome = request.GET.get("outcome", "")
        if outcome:
            qs = qs.filter(result__outcome=outcome)
        page = CappedPaginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessment/certification_results.html",
        {
            "year": year,
            "level": level,
            "years": SchoolYear.objects.order_by("-starts_on"),
            "levels": Level.objects.order_by("order"),
            "page": page,
            "can_compute": scope.has(*sel.COMPUTE_ROLES),
            "mentions": svc.MENTION_LABELS,
            "outcome": request.GET.get("outcome", ""),
        },
    )


@require_POST
@role_required(*sel.COMPUTE_ROLES)
def exam_results_compute(request, scope):
    year, level = _year_level(request)
    if level is None:
        raise Http404
    counts = svc.certification_compute(scope=scope, actor=request.user, year=year, level=level)
    messages.success(
        request,
        _(
            "%(candidates)s candidates computed: %(passed)s passed, %(rattrapage)s admitted to "
            "the rattrapage session, %(failed)s failed, %(incomplete)s with marks missing."
        )
        % {
            "candidates": counts["candidates"],
            "passed": counts["PASSED"],
            "rattrapage": counts["RATTRAPAGE"],
            "failed": counts["FAILED"],
            "incomplete": counts["incomplete"],
        },
    )
    url = reverse("assessment:exam_results")
    return redirect(f"{url}?year={year.code}&level={level.code}")


@role_required(*READ_ROLES)
def exam_candidate(request, candidate_id: int, scope):
    candidate = sel.candidate_get(scope, candidate_id)
    result = sel.result_of(candidate)
    return render(
        request,
        "assessment/certification_candidate.html",
        {
            "candidate": candidate,
            "result": result,
            "mention": svc.MENTION_LABELS.get(result.mention, "") if result else "",
            "marks": sel.candidate_marks(candidate),
        },
    )
