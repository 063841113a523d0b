"""The spaces' certificates part: its navigation entry, the verification page's label for the
leaving date, and the certificate's PDF.

The PDF is rendered on demand (a page renders in well under a second) and never stored: the
name, school, school year and leaving date it prints come from the facts stored with its
verification code (core.VerifiableDocument.facts, frozen when the certificate was approved),
so the paper always says what the public verification page says; the header, the Code Massar,
birth date and place, level and class come from the school's records; the issue date is the
day of the approval. WeasyPrint with the Amiri font and segno's QR code, through the report
cards' helpers (assessment/report_cards.py)."""

from __future__ import annotations

import re

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from massar.assessment.report_cards import _pick, _qr, verify_url
from massar.core.navigation import nav_entry
from massar.core.verification import code_format, fact_labels_register

nav_entry(
    "portal:certificates",
    gettext_lazy("School certificates"),
    ["STUDENT", "GUARDIAN", "DIRECTOR", "STAFF"],
    57,
)
fact_labels_register(labels={"left_on": gettext_lazy("Left the school on")})

# "Direction provinciale de Rabat" -> "Rabat": the place of issue printed on the certificate
_PLACE_PREFIX = re.compile(
    r"^(Direction provinciale (de la |de l'|des |du |de |d')|المديرية الإقليمية (ل|ب)?\s*)"
)


def _ltr(text: str, language: str) -> str:
    # a year or a date inside Arabic text: an explicit left-to-right embedding keeps Pango
    # from showing 2025-2026 as 2026-2025
    return f"\u202a{text}\u202c" if language == "ar" and text else text


def _place(school, language: str) -> str:
    return _PLACE_PREFIX.sub("", _pick(school.directorate, language)).strip()


def _fact(facts: dict, key: str, language: str) -> str:
    value = facts.get(key, "")
    if isinstance(value, dict):
        return value.get(language) or value.get("fr") or value.get("ar") or ""
    return str(value or "")


def certificate_context(certificate, *, base_url: str) -> dict:
    """The strings of one certificate in its language (call inside translation.override)."""
    language = certificate.language
    document = certificate.document
    facts = document.facts or {}
    school = certificate.school
    student = certificate.student
    enrollment = certificate.enrollment
    year = _ltr(_fact(facts, "year", language), language)
    left_on = _ltr(_fact(facts, "left_on", language), language)
    level = _pick(enrollment.level, language)
    if enrollment.track_id:
        level = f"{level} — {_pick(enrollment.track, language)}"
    values = {"school": _fact(facts, "school", language), "year": year, "level": level}
    if left_on:
        statement = _(
            "The undersigned, director of %(school)s, certifies that the student named below "
            "was enrolled in this school in the school year %(year)s, at the level %(level)s, "
            "and left the school on %(left_on)s."
        ) % {**values, "left_on": left_on}
    else:
        statement = (
            _(
                "The undersigned, director of %(school)s, certifies that the student named below "
                "is enrolled in this school in the school year %(year)s, at the level %(level)s."
            )
            % values
        )
    issued = timezone.localdate(certificate.decided_at or document.issued_at)
    url = verify_url(base_url, document.code)
    birth = _ltr(student.birth_date.strftime("%d/%m/%Y"), language)
    return {
        "academy": _pick(school.directorate.academy, language),
        "directorate": _pick(school.directorate, language),
        "school": _fact(facts, "school", language),
        "school_code": school.code,
        "address": school.address,
        "year": year,
        "statement": statement,
        "name_fr": _fact(facts, "student", "fr"),
        "name_ar": _fact(facts, "student", "ar"),
        "code_massar": student.code_massar,
        "birth": (
            _("%(date)s in %(place)s") % {"date": birth, "place": student.birth_place}
            if student.birth_place
            else birth
        ),
        "level": level,
        "class_name": enrollment.school_class.name if enrollment.school_class_id else "",
        "left_on": left_on,
        "issued": _("Issued at %(place)s on %(date)s.")
        % {
            "place": _place(school, language),
            "date": _ltr(issued.strftime("%d/%m/%Y"), language),
        },
        "code": code_format(document.code),
        "verify_url": url,
        "qr": _qr(url),
    }


def certificate_render(certificate, *, base_url: str) -> bytes:
    """The certificate as a one-page A4 PDF in its language (Arabic right to left)."""
    from weasyprint import HTML

    language = certificate.language if certificate.language in ("ar", "fr") else "fr"
    with translation.override(language):
        html = render_to_string(
            "portal/certificate_pdf.html",
            {
                "c": certificate_context(certificate, base_url=base_url),
                "language": language,
                "rtl": language == "ar",
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def certificate_filename(certificate) -> str:
    return (
        f"certificat-{certificate.student.code_massar}-{certificate.year.code}-"
        f"{certificate.pk}-{certificate.language}.pdf"
    )
