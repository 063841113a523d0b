"""Writes of the report cards: issuing each card's verification code, printing one student's
card, and starting a class's bulk print as a job. Callers pass targets that a selector of
reports_selectors already checked against the user's scope."""

from __future__ import annotations

from django.utils.translation import gettext as _

from massar.assessment import report_cards
from massar.assessment import reports_selectors as sel
from massar.assessment.models import Period
from massar.core.audit import audit_record
from massar.core.jobs import job_start
from massar.core.models import Job, VerifiableDocument
from massar.core.verification import document_issue
from massar.enrollment.models import SchoolClass


class ReportCardError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _check(period: str, language: str) -> None:
    if period not in sel.PERIODS:
        raise ReportCardError("bad_period", _("Choose semester 1, semester 2 or the year."))
    if language not in report_cards.LANGUAGES:
        raise ReportCardError("bad_language", _("Choose Arabic or French."))


def report_card_subject_key(*, student_id: int, year_code: str, period: str) -> str:
    return f"report:{student_id}:{year_code}:{period}"


def report_card_facts(card: sel.CardData) -> dict:
    """What the public verification page may show about a card: the student's name, the
    school, the year, the period, the general average and (annual card) the decision."""
    school = card.school_class.school
    general = card.general
    facts = {
        "student": {"fr": card.student.full_name_fr, "ar": card.student.full_name_ar},
        "school": {"fr": school.name_fr, "ar": school.name_ar},
        "year": card.year.code,
        "period": card.period,
        "average": f"{general.average:.2f}" if general and general.average is not None else "",
    }
    if card.period == Period.ANNUAL and card.decision:
        facts["decision"] = card.decision
    return facts


def report_cards_issue(*, cards: list[sel.CardData], actor) -> None:
    """Give each card its verification code: the card's current code while its facts are
    unchanged, a new one (the old one revoked) once a recomputed result changed them."""
    for card in cards:
        card.document = document_issue(
            kind=VerifiableDocument.Kind.REPORT_CARD,
            subject_key=report_card_subject_key(
                student_id=card.student.pk, year_code=card.year.code, period=card.period
            ),
            facts=report_card_facts(card),
            school_id=card.school_class.school_id,
            student_id=card.student.pk,
            actor=actor,
        )


def report_card_print(
    *, target: sel.CardTarget, language: str, actor, base_url: str
) -> tuple[bytes, str]:
    """One student's card of a period as PDF bytes, and its file name. The code is issued in
    its own short transaction; the rendering runs outside any (SQLite takes its write lock at
    BEGIN IMMEDIATE, and a render holds it for a good fraction of a second)."""
    _check(target.period, language)
    cards = sel.report_cards_data(
        school_class=target.school_class,
        students=[target.student],
        year=target.year,
        period=target.period,
    )
    report_cards_issue(cards=cards, actor=actor)
    audit_record(
        actor=actor,
        action="report_card.print",
        object_type="Student",
        object_id=target.student.pk,
        after={"period": target.period, "language": language, "year": target.year.code},
        school_id=target.school_class.school_id,
    )
    pdf = report_cards.report_cards_render(cards, language=language, base_url=base_url)
    name = (
        f"bulletin-{target.student.code_massar}-{target.year.code}-{target.period}-{language}.pdf"
    )
    return pdf, name


def report_cards_bulk_start(
    *, school_class: SchoolClass, period: str, language: str, actor, base_url: str
) -> Job:
    """Print a class's cards into one PDF, as a job (progress bar, download when done)."""
    _check(period, language)
    audit_record(
        actor=actor,
        action="report_card.bulk",
        object_type="SchoolClass",
        object_id=school_class.pk,
        after={"period": period, "language": language},
        school_id=school_class.school_id,
    )
    return job_start(
        kind=report_cards.BULK_KIND,
        title=_("Report cards of class %(name)s (%(period)s)")
        % {"name": school_class.name, "period": dict(Period.choices)[period]},
        params={
            "class_id": school_class.pk,
            "period": period,
            "card_language": language,
            "base_url": base_url,
        },
        actor=actor,
        school_id=school_class.school_id,
    )
