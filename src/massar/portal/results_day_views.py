"""Pages of the results-day part: a student's (or a guardian's child's) published results of
the current year, read from the cache that the publication warms."""

from __future__ import annotations

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


def results_context(payload: dict | None) -> dict | None:
    """The payload with the names in the page's language and the labels of codes."""
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
        subjects = [
            {
                **s,
                "name": _local(s),
                "tests": [
                    {"mark": mark, "absent": absent}
                    for mark, absent in zip(
                        s.get("marks") or [], s.get("absent") or [], strict=False
                    )
                ],
            }
            for s in period.get("subjects", [])
        ]
        periods.append(
            {
                **period,
                "label": Period(period["period"]).label,
                "subjects": subjects,
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


@role_required(*sel.FAMILY)
def results_page(request, scope):
    child, family = sel.results_student(scope, request.GET.get("child"))
    payload = sel.results_payload(child.pk, child.year_id)
    return render(
        request,
        "portal/results_day.html",
        {
            "child": child,
            "child_name": f"{pick(child, 'last_name')} {pick(child, 'first_name')}".strip(),
            "family": [
                {"pk": c.pk, "name": f"{pick(c, 'last_name')} {pick(c, 'first_name')}".strip()}
                for c in family
            ],
            "results": results_context(payload),
        },
    )
