"""Pages of the class formation: a school's structure for the year, a level's formation page
(students, balance per class, manual multi-select, automatic distribution with a preview
before confirmation, pair requests) and a class's list. Directors write; their office staff
and the directorate, academy and ministry (schools in their scope) read."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from massar.core.access import role_required
from massar.enrollment import formation_selectors as selectors
from massar.enrollment import formation_services as services
from massar.enrollment.class_formation import SIBLING_CHOICES, FormationError, natural_key
from massar.enrollment.models import ClassPairing, SchoolClass

READ_ROLES = selectors.READ_ROLES
STUDENTS_PER_PAGE = 100


def _query(**params) -> str:
    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"?{urlencode(clean)}" if clean else ""


def _level_url(level_code: str, school, year, track=None, **extra) -> str:
    return reverse("formation:level", args=[level_code]) + _query(
        school=school.pk, year=year.code, track=track.code if track else None, **extra
    )


def _structure_url(school, year) -> str:
    return reverse("formation:structure") + _query(school=school.pk, year=year.code)


def _param(request, name: str) -> str:
    return (request.POST.get(name) or request.GET.get(name) or "").strip()


@role_required(*READ_ROLES)
def structure(request, scope):
    year, years = selectors.formation_years(request.GET.get("year"))
    school = selectors.formation_school(scope, request.GET.get("school"))
    if school is None:  # oversight: choose a school of the territory first
        text = request.GET.get("q", "").strip()
        schools = selectors.schools_in_scope(scope)
        if text:
            schools = schools.filter(code__iexact=text) | schools.filter(name_fr__icontains=text)
        page = Paginator(schools.order_by("code"), 50).get_page(request.GET.get("page"))
        return render(
            request,
            "enrollment/formation/schools.html",
            {"page": page, "q": text, "year": year},
        )
    context = selectors.structure(scope, school, year)
    context.update(
        {
            "years": years,
            "can_edit": scope.manages_school(school.pk) and not year.is_closed,
            "max_capacity": services.MAX_CAPACITY,
        }
    )
    return render(request, "enrollment/formation/structure.html", context)


@require_POST
@role_required("DIRECTOR")
def declare(request, scope):
    school = selectors.formation_school(scope, request.POST.get("school"))
    year = selectors.formation_year(request.POST.get("year"))
    level, track = selectors.level_and_track(_param(request, "level"), _param(request, "track"))
    try:
        typed = [n for n in re.split(r"[,;\n]+", request.POST.get("names", "")) if n.strip()]
        if typed:
            names = typed
        else:
            try:
                count = int(request.POST.get("count", ""))
            except ValueError:
                count = 0
            prefix = _param(request, "prefix") or (track.code if track else level.code)
            names = services.class_names_free(school=school, year=year, prefix=prefix, count=count)
        created = services.classes_declare(
            actor=request.user,
            scope=scope,
            school=school,
            year=year,
            level=level,
            track=track,
            names=names,
            capacity=request.POST.get("capacity"),
        )
    except FormationError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request,
            _("Classes created: %(names)s.") % {"names": ", ".join(c.name for c in created)},
        )
    return redirect(_structure_url(school, year))


@role_required(*READ_ROLES)
def class_detail(request, class_id: int, scope):
    school_class = selectors.class_get(scope, class_id)
    students = selectors.class_students(school_class)
    siblings = sorted(
        SchoolClass.objects.filter(
            school_id=school_class.school_id,
            year_id=school_class.year_id,
            level_id=school_class.level_id,
            track_id=school_class.track_id,
        ).only("pk", "name", "capacity"),
        key=lambda c: natural_key(c.name),
    )
    can_edit = scope.manages_school(school_class.school_id) and not school_class.year.is_closed
    return render(
        request,
        "enrollment/formation/class_detail.html",
        {
            "school_class": school_class,
            "students": students,
            "size": len(students),
            "girls": sum(1 for e in students if e.student.sex == "F"),
            "other_classes": [c for c in siblings if c.pk != school_class.pk],
            "can_edit": can_edit,
            "level_url": _level_url(
                school_class.level.code,
                school_class.school,
                school_class.year,
                school_class.track,
            ),
            "structure_url": _structure_url(school_class.school, school_class.year),
            "max_capacity": services.MAX_CAPACITY,
        },
    )


def _director_class(scope, class_id: int) -> SchoolClass:
    school_class = selectors.class_get(scope, class_id)
    if not scope.manages_school(school_class.school_id):
        raise Http404
    return school_class


@require_POST
@role_required("DIRECTOR")
def class_edit(request, class_id: int, scope):
    school_class = _director_class(scope, class_id)
    try:
        services.class_update(
            actor=request.user,
            scope=scope,
            school_class=school_class,
            name=request.POST.get("name"),
            capacity=request.POST.get("capacity") or None,
        )
    except FormationError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("Class saved."))
    return redirect("formation:class_detail", class_id=school_class.pk)


@require_POST
@role_required("DIRECTOR")
def class_delete(request, class_id: int, scope):
    school_class = _director_class(scope, class_id)
    try:
        services.class_delete(actor=request.user, scope=scope, school_class=school_class)
    except FormationError as err:
        messages.error(request, err.message)
        return redirect("formation:class_detail", class_id=school_class.pk)
    messages.success(request, _("Class %(name)s deleted.") % {"name": school_class.name})
    return redirect(_structure_url(school_class.school, school_class.year))


def _level_context(request, scope, level_code: str):
    school = selectors.formation_school(scope, _param(request, "school"))
    if school is None:
        raise Http404
    year = selectors.formation_year(_param(request, "year"))
    level, track = selectors.level_and_track(level_code, _param(request, "track"))
    if level.cycle not in school.cycles:  # a level the school does not teach
        raise Http404
    return school, year, level, track


def _options(request):
    return services.formation_options(_param(request, "siblings") or "none")


@role_required(*READ_ROLES)
def level_page(request, level: str, scope):
    school, year, level_obj, track = _level_context(request, scope, level)
    can_edit = scope.manages_school(school.pk) and not year.is_closed
    context = {
        "school": school,
        "year": year,
        "level": level_obj,
        "track": track,
        "can_edit": can_edit,
        "sibling_choices": SIBLING_CHOICES,
        "pair_modes": ClassPairing.Mode.choices,
        "structure_url": _structure_url(school, year),
    }
    if level_obj.has_tracks and track is None:
        context["groups"] = [
            g
            for g in selectors.structure(scope, school, year)["groups"]
            if g.level.pk == level_obj.pk
        ]
        return render(request, "enrollment/formation/choose_track.html", context)
    preview = {}
    if request.GET.get("preview") and can_edit:
        preview = _preview(request, scope, school, year, level_obj, track)
        context.update(preview)
        if request.headers.get("HX-Request"):
            return render(request, "enrollment/formation/_preview.html", context)
    page = selectors.formation_page(scope, school, year, level_obj, track, data=preview.get("data"))
    show = request.GET.get("show", "unassigned" if page.unassigned else "all")
    if show == "unassigned":
        listed = page.unassigned
    elif show.isdigit():
        listed = [s for s in page.data.students if s.class_id == int(show)]
    else:
        show, listed = "all", page.data.students
    names = {c.class_id: c.name for c in page.data.classes}
    listed = [
        {"row": s, "class_name": names.get(s.class_id, "")}
        for s in sorted(listed, key=lambda s: (s.name_fr, s.enrollment_id))
    ]
    students = Paginator(listed, STUDENTS_PER_PAGE).get_page(request.GET.get("page"))
    context.update(
        {
            "page": page,
            "students": students,
            "show": show,
            "select_all": request.GET.get("select") == "all",
            "here": _level_url(level_obj.code, school, year, track, show=show),
        }
    )
    return render(request, "enrollment/formation/level.html", context)


def _preview(request, scope, school, year, level, track) -> dict:
    redistribute = request.GET.get("redistribute") == "1"
    try:
        options = _options(request)
        data, plan = services.formation_preview(
            scope=scope,
            school=school,
            year=year,
            level=level,
            track=track,
            only_unassigned=not redistribute,
            options=options,
        )
    except FormationError as err:
        return {"preview_error": err.message}
    rows = {s.student_id: s for s in data.students}
    return {
        "data": data,
        "plan": plan,
        "plan_options": options,
        "redistribute": redistribute,
        "no_room": services.no_room_message(data, plan) if plan.unplaced else "",
        "broken": [
            {"mode": p.mode, "first": rows.get(p.first), "second": rows.get(p.second)}
            for p in plan.broken
        ],
    }


@require_POST
@role_required("DIRECTOR")
def assign(request, level: str, scope):
    school, year, level_obj, track = _level_context(request, scope, level)
    target = request.POST.get("target", "")
    ids = request.POST.getlist("enrollment")
    try:
        if target == "none":
            n = services.class_unassign(
                actor=request.user,
                scope=scope,
                school=school,
                year=year,
                level=level_obj,
                track=track,
                enrollment_ids=ids,
            )
            messages.success(request, _("%(n)d students taken out of their class.") % {"n": n})
        else:
            school_class = (
                SchoolClass.objects.filter(
                    pk=target if target.isdigit() else 0, school=school, year=year
                )
                .select_related("year")
                .first()
            )
            if school_class is None:
                raise FormationError("no_class", _("Choose the class to put the students in."))
            n = services.class_assign(
                actor=request.user, scope=scope, school_class=school_class, enrollment_ids=ids
            )
            messages.success(
                request,
                _("%(n)d students put in class %(name)s.") % {"n": n, "name": school_class.name},
            )
    except FormationError as err:
        messages.error(request, err.message)
    back = request.POST.get("back", "")
    if back.isdigit():
        return redirect("formation:class_detail", class_id=int(back))
    return redirect(_level_url(level_obj.code, school, year, track, show=_param(request, "show")))


@require_POST
@role_required("DIRECTOR")
def confirm(request, level: str, scope):
    school, year, level_obj, track = _level_context(request, scope, level)
    try:
        _data, plan = services.formation_confirm(
            actor=request.user,
            scope=scope,
            school=school,
            year=year,
            level=level_obj,
            track=track,
            fingerprint=request.POST.get("fingerprint", ""),
            only_unassigned=request.POST.get("redistribute") != "1",
            options=_options(request),
        )
    except FormationError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request,
            _("The distribution is saved: %(n)d students placed in %(classes)d classes.")
            % {"n": plan.placed, "classes": len(plan.classes)},
        )
    return redirect(_level_url(level_obj.code, school, year, track, show="all"))


@require_POST
@role_required("DIRECTOR")
def pair_create(request, level: str, scope):
    school, year, level_obj, track = _level_context(request, scope, level)
    try:
        services.pairing_create(
            actor=request.user,
            scope=scope,
            school=school,
            year=year,
            first_code=request.POST.get("first", ""),
            second_code=request.POST.get("second", ""),
            mode=request.POST.get("mode", ""),
        )
    except FormationError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("The request is recorded for the distribution."))
    return redirect(_level_url(level_obj.code, school, year, track))


@require_POST
@role_required("DIRECTOR")
def pair_delete(request, pair_id: int, scope):
    pairing = (
        ClassPairing.objects.select_related("school", "year")
        .filter(pk=pair_id, school_id__in=scope.director_school_ids)
        .first()
    )
    if pairing is None:
        raise Http404
    services.pairing_delete(actor=request.user, scope=scope, pairing=pairing)
    messages.success(request, _("The request is withdrawn."))
    level = _param(request, "level")
    if level:
        try:
            level_obj, track = selectors.level_and_track(level, _param(request, "track"))
        except Http404:
            pass
        else:
            return redirect(_level_url(level_obj.code, pairing.school, pairing.year, track))
    return redirect(_structure_url(pairing.school, pairing.year))
