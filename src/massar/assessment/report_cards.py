"""Report cards (bulletins) as PDF: the rendering of the cards' content with WeasyPrint (Arabic
shaping through Pango, Amiri font), the bulk job that prints a class's cards into one PDF, and
the verification page's labels for the facts a card carries. Registered at import by
assessment/registry.py."""

from __future__ import annotations

import secrets
import time
from decimal import Decimal
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from massar.assessment.models import Period
from massar.core.jobs import JobFailed, job_handler
from massar.core.navigation import nav_entry
from massar.core.verification import code_format, fact_labels_register
from massar.enrollment.models import Decision

BULK_KIND = "assessment.report_cards"
CHUNK = 10  # cards rendered per step of the bulk job (one progress step each)
MEDIA_FOLDER = "report_cards"
LANGUAGES = ("ar", "fr")

fact_labels_register(
    values={"period": dict(Period.choices), "decision": dict(Decision.choices)},
)
nav_entry(
    "assessment:report_card_classes",
    gettext_lazy("Report cards"),
    ["MINISTRY", "ACADEMY", "DIRECTORATE", "DIRECTOR", "STAFF", "TEACHER"],
    order=46,
)


def _num(value, language: str) -> str:
    if value is None:
        return ""
    text = f"{Decimal(value):.2f}"
    return text.replace(".", ",") if language == "fr" else text


def _coef(value, language: str) -> str:
    if value is None:
        return ""
    value = Decimal(value)
    text = f"{value:.0f}" if value == value.to_integral() else f"{value.normalize()}"
    return text.replace(".", ",") if language == "fr" else text


def _mark(value, language: str) -> str:
    if value == "ABS":
        return _("Abs")
    return _num(value, language)


def _pick(obj, language: str, field: str = "name") -> str:
    other = "fr" if language == "ar" else "ar"
    return getattr(obj, f"{field}_{language}", "") or getattr(obj, f"{field}_{other}", "") or ""


def _ltr(text: str, language: str) -> str:
    # a year such as 2025-2026 inside Arabic text: an explicit left-to-right embedding keeps
    # Pango from showing it as 2026-2025
    return f"\u202a{text}\u202c" if language == "ar" else text


def verify_url(base_url: str, code: str) -> str:
    return base_url.rstrip("/") + reverse("assessment:verify_code", args=[code_format(code)])


def _qr(url: str) -> str:
    # PNG renders faster than SVG in WeasyPrint and stays sharp at this size
    return segno.make(url, error="m").png_data_uri(scale=3, border=2)


def card_context(card, language: str, base_url: str) -> dict:
    """Strings of one card in `language` (figures formatted, names in the card's script)."""
    school = card.school_class.school
    student = card.student
    annual = card.period == Period.ANNUAL
    general = card.general
    rows = [
        {
            "subject": _pick(row.subject, language),
            "marks": [_mark(m, language) for m in row.marks],
            "activities": _mark(row.activities, language),
            "s1": _num(row.s1, language),
            "s2": _num(row.s2, language),
            "average": _num(row.average, language),
            "coefficient": _coef(row.coefficient, language),
            "mean": _num(row.mean, language),
            "minimum": _num(row.minimum, language),
            "maximum": _num(row.maximum, language),
            "remark": row.remark,
        }
        for row in card.rows
    ]
    formula = ""
    if general is not None and general.average is not None and general.coefficient_sum:
        formula = _(
            "General average = Σ (coefficient × subject average) / Σ coefficients = "
            "%(weighted)s / %(coefficients)s = %(average)s"
        ) % {
            "weighted": _num(general.weighted_sum, language),
            "coefficients": _coef(general.coefficient_sum, language),
            "average": _num(general.average, language),
        }
    rank = ""
    if general is not None and general.rank_class:
        rank = _("%(rank)s of %(size)s") % {"rank": general.rank_class, "size": card.class_size}
    document = card.document
    url = verify_url(base_url, document.code) if document else ""
    track = card.school_class.track
    return {
        "academy": _pick(school.directorate.academy, language),
        "directorate": _pick(school.directorate, language),
        "school": _pick(school, language),
        "school_code": school.code,
        "year": _ltr(card.year.code, language),
        "period": card.period,
        "period_label": dict(Period.choices)[card.period],
        "annual": annual,
        "code_massar": student.code_massar,
        "name_fr": student.full_name_fr,
        "name_ar": student.full_name_ar,
        "birth_date": student.birth_date.strftime("%d/%m/%Y"),
        "class_name": card.school_class.name,
        "level": _pick(card.school_class.level, language),
        "track": _pick(track, language) if track else "",
        "rows": rows,
        "average": _num(general.average if general else None, language),
        "s1_average": _num(card.s1_average, language),
        "s2_average": _num(card.s2_average, language),
        "rank": rank,
        "formula": formula,
        "decision": dict(Decision.choices).get(card.decision, card.decision)
        if card.decision
        else "",
        "code": code_format(document.code) if document else "",
        "verify_url": url,
        "qr": _qr(url) if url else "",
    }


def _html(cards, language: str, base_url: str) -> str:
    with translation.override(language):
        return render_to_string(
            "assessment/report_card_pdf.html",
            {
                "cards": [card_context(c, language, base_url) for c in cards],
                "language": language,
                "rtl": language == "ar",
            },
        )


def report_cards_render(cards, *, language: str, base_url: str) -> bytes:
    """One PDF holding `cards`, one A4 page each."""
    from weasyprint import HTML

    return HTML(
        string=_html(cards, language, base_url), base_url=str(settings.BASE_DIR)
    ).write_pdf()


def _render_document(cards, language: str, base_url: str):
    from weasyprint import HTML

    return HTML(string=_html(cards, language, base_url), base_url=str(settings.BASE_DIR)).render()


def bulk_file_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


@job_handler(BULK_KIND)
def report_cards_bulk(job, progress) -> dict:
    """A class's report cards as one PDF under MEDIA_ROOT/report_cards/ (downloaded through an
    access-checked view, never a public media URL)."""
    from massar.assessment import reports_selectors as sel
    from massar.assessment.reports_services import report_cards_issue
    from massar.enrollment.models import SchoolClass

    params = job.params
    language, period = params["card_language"], params["period"]
    school_class = (
        SchoolClass.objects.select_related("school__directorate__academy", "level", "track", "year")
        .filter(pk=params["class_id"])
        .first()
    )
    if school_class is None:
        raise JobFailed([_("The class no longer exists.")])
    students = sel.class_students(school_class)
    if not students:
        raise JobFailed([_("The class has no enrolled students.")])
    started = time.monotonic()
    progress.total(len(students))
    pages = []
    first = None
    for start in range(0, len(students), CHUNK):
        chunk = students[start : start + CHUNK]
        cards = sel.report_cards_data(
            school_class=school_class, students=chunk, year=school_class.year, period=period
        )
        report_cards_issue(cards=cards, actor=job.created_by)
        document = _render_document(cards, language, params["base_url"])
        first = first or document
        pages.extend(document.pages)
        progress.advance(start + len(chunk))
    relative = f"{MEDIA_FOLDER}/{job.pk}-{secrets.token_hex(8)}.pdf"
    path = bulk_file_path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    first.copy(pages).write_pdf(str(path))
    return {
        "file": relative,
        "cards": len(students),
        "seconds": round(time.monotonic() - started, 2),
        "link": reverse("assessment:report_card_bulk_download", args=[job.pk]),
        "summary": ngettext(
            "%(count)d report card is ready.", "%(count)d report cards are ready.", len(students)
        )
        % {"count": len(students)},
    }
