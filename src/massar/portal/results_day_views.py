"""The results page of the student and guardian spaces (/space/marks/): a student's (or a
guardian's child's) published results of the current year, read from the cache that the
publication warms (results_day_selectors), with the explanation of the general average and
the report cards. /space/results/, its former address, redirects to it for good."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.shortcuts import render
from django.utils.translation import get_language

from massar.core.access import role_required
from massar.core.i18n import pick
from massar.enrollment.models import Decision
from massar.portal import results_day_selectors as sel


def _local(item: dict | None) -> str:
    """The Arabic or French name of a payload entry ({"fr": …, "ar": …})."""
    if not item:
        return ""
    if (get_language() or "fr")[:2] == "ar":
        return item.get("ar") or item.get("fr") or ""
    return item.get("fr") or item.get("ar") or ""


def _decimal(text) -> Decimal | None:
    """A payload figure (numeric sent as text) as a Decimal; None when absent."""
    if text in (None, ""):
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        return None


def _plain(value: Decimal | None) -> str:
    """A figure without trailing zeros and never in exponent form ("20", not "2E+1")."""
    return "" if value is None else format(value.normalize(), "f")


def _subject(s: dict) -> dict:
    marks, absent = s.get("marks"), s.get("absent")
    product = _decimal(s.get("product"))
    return {
        "code": s.get("code"),
        "name": _local(s),
        "average": s.get("average"),
        "rank": s.get("rank"),
        "class_mean": s.get("class_mean"),
        "coefficient": _plain(_decimal(s.get("coefficient"))),
        # 4 tests, each {"mark", "absent"}; no marks line: 4 empty tests
        "tests": [
            {"mark": mark, "absent": bool(gone)}
            for mark, gone in zip(marks or [None] * 4, absent or [False] * 4, strict=False)
        ],
        "activities": {"mark": s.get("activities"), "absent": bool(s.get("activities_absent"))},
        "product": _plain(product),
        "counted": product is not None,
    }


def results_context(payload: dict | None) -> dict | None:
    """The payload with the names in the page's language, the labels of codes and, per
    period, the figures that explain the general average, as the snapshot carries them: each
    subject's average × coefficient, and weighted_sum ÷ coefficient_sum to four places."""
    if payload is None:
        return None
    from massar.assessment.models.results import Period

    periods = []
    for period in payload.get("periods", []):
        decision = period.get("decision") or None
        if decision:
            final = decision.get("final") or ""
            decision = {
                **decision,
                "final_label": Decision(final).label if final in Decision.values else "",
            }
        subjects = sorted(
            (_subject(s) for s in period.get("subjects", [])), key=lambda s: s["name"]
        )
        periods.append(
            {
                **period,
                "label": Period(period["period"]).label,
                "subjects": subjects,
                "counted": [s for s in subjects if s["counted"]],
                "weighted_sum": _plain(_decimal(period.get("weighted_sum"))),
                "coefficient_sum": _plain(_decimal(period.get("coefficient_sum"))),
                "quotient": period.get("quotient"),
                "decision": decision,
            }
        )
    return {
        "year": payload.get("year"),
        "school": _local(payload.get("school")),
        "level": _local(payload.get("level")),
        "class_name": payload.get("class"),
        "periods": periods,
    }


def _name(child: sel.Child) -> str:
    return f"{pick(child, 'last_name')} {pick(child, 'first_name')}".strip()


@role_required(*sel.FAMILY)
def results_page(request, scope):
    """The current year's published results: each test, subject averages, ranks and class
    averages, the general average with its rank and its explanation, the year's decision,
    the report cards. Nothing of a period before its publication."""
    child, family = sel.results_student(scope, request.GET.get("child"))
    return render(
        request,
        "portal/space_marks.html",
        {
            "student": child,
            "child_name": _name(child),
            "children": family,
            "child_query": f"?child={child.pk}" if len(family) > 1 else "",
            "results": results_context(sel.results_payload(child.pk, child.year_id)),
        },
    )
