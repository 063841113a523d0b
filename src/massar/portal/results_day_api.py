"""API of the spaces' results_day part (mounted under /api/v1/me/): a student's published
results of the current year, straight from the cache (the snapshot's JSON text is sent as it
is stored, never decoded and encoded again)."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from massar.core.scopes import scope_for
from massar.portal import results_day_selectors as sel

router = Router(tags=["spaces"])


@router.get("/results")
def results_get(request, child: int | None = None):
    """The student's published results of the current year (`child`: a guardian's child's
    id, as in the other /me/ routes; none: the student themself or the first child). 200
    with `published: false` and a message before any publication; 404 for a student who is
    not the user's family.

    Per published period: each subject's tests, activities, average, coefficient, `product`
    (average × coefficient), rank and class statistics; the general average, rank, class
    size; the explanation of the general average: `weighted_sum` (Σ product), `coefficient_sum`
    and `quotient` (their division to four places, which rounds to the general average); the
    year's decision.
    The report card of a period: /api/v1/evaluation/report-cards/students/{id}/{period}."""
    scope = scope_for(request.user)
    if not scope.has(*sel.FAMILY):
        raise PermissionDenied
    student, _family = sel.results_student(scope, child)
    entry = sel.results_cached(student.pk, student.year_id)
    if entry is None:
        body = json.dumps(
            {
                "student_id": student.pk,
                "published": False,
                "version": None,
                "message": _("The results of this year are not published yet."),
                "results": None,
            },
            ensure_ascii=False,
        )
    else:
        version, text = entry
        body = (
            f'{{"student_id": {int(student.pk)}, "published": true, "version": {int(version)}, '
            f'"message": "", "results": {text}}}'
        )
    return HttpResponse(body, content_type="application/json; charset=utf-8")
