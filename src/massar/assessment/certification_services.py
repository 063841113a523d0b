"""Writes of the certification exams (6AP, 3AC, baccalauréat): sessions and their subjects,
candidates, exam marks (grid and CSV import), and the computation of general marks, outcomes
and mentions per the grading policy.

Rules (issue 5, DOMAIN.md): an exam's mark = Σ coef × mark / Σ coef over the session's
subjects, an absence counting 0; the general mark = Σ weight × component / Σ weight of the
components the policy weighs (continuous assessment = the annual general average of the
results job); free candidates use the policy's free-candidate weights, or the exam weights
alone when the policy has none for them. Passed at ≥ pass mark; with a rattrapage session,
[floor, pass mark) is admitted to it, and after it each subject keeps the better of the two
marks. All stored values are rounded half-up to 2 decimals."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from massar.assessment import certification_sql as sql
from massar.assessment.certification_selectors import (
    ORGANISER_ROLE,
    candidate_list,
    session_candidates,
    session_manageable,
)
from massar.assessment.grades import GradeError, mark_parse
from massar.assessment.models import (
    Candidate,
    CertificationResult,
    ExamMark,
    ExamSession,
    ExamSubject,
    GeneralResult,
    Period,
)
from massar.assessment.policy import policies_for_year, policy_for
from massar.core.audit import audit_bulk, audit_record
from massar.core.scopes import Scope
from massar.enrollment.models import Enrollment
from massar.registry.models import Student
from massar.schools.models import CurriculumEntry, Level, School, SchoolYear, Subject, Track

CENT = Decimal("0.01")
KINDS = ("LOCAL", "PROVINCIAL", "REGIONAL", "NATIONAL")
WEIGHT_OF = {
    "LOCAL": "local_weight",
    "PROVINCIAL": "provincial_weight",
    "REGIONAL": "regional_weight",
    "NATIONAL": "national_weight",
}
MENTIONS = [  # (lowest general mark, code); below the first: Passable
    (Decimal("16"), "TRES_BIEN"),
    (Decimal("14"), "BIEN"),
    (Decimal("12"), "ASSEZ_BIEN"),
]
MENTION_LABELS = {
    "PASSABLE": gettext_lazy("Passable"),
    "ASSEZ_BIEN": gettext_lazy("Assez bien"),
    "BIEN": gettext_lazy("Bien"),
    "TRES_BIEN": gettext_lazy("Très bien"),
}
CHUNK = 5000  # candidates per aggregate query and per upsert


class CertificationError(GradeError):
    """A refused certification write: a stable code, a translated message, and for imports
    and grids every bad row as {"where", "message"}."""


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def mention_for(general: Decimal) -> str:
    for floor, code in MENTIONS:
        if general >= floor:
            return code
    return "PASSABLE"


# --- sessions ------------------------------------------------------------------------------


def exam_session_create(
    *,
    scope: Scope,
    actor,
    year: SchoolYear,
    level: Level,
    kind: str,
    round: str = "NORMAL",  # noqa: A002 - the model's field name
    school: School | None = None,
    held_on=None,
) -> ExamSession:
    """A session organised by the actor's school (LOCAL, the director), directorate
    (PROVINCIAL), academy (REGIONAL) or the ministry (NATIONAL); its subjects are prefilled
    from the level's curriculum coefficients of that year (track-less entries first)."""
    if kind not in KINDS or round not in ExamSession.Round.values:
        raise CertificationError("bad_kind", _("Unknown kind of exam session."))
    if not scope.has(ORGANISER_ROLE[kind]):
        raise CertificationError(
            "not_organiser",
            _("Your role does not organise this kind of exam."),
            status=403,
        )
    organiser: dict = {}
    if kind == "LOCAL":
        ids = sorted(scope.director_school_ids)
        school_id = school.pk if school else (ids[0] if len(ids) == 1 else None)
        if school_id not in scope.director_school_ids:
            raise CertificationError("school", _("Choose one of the schools you direct."))
        organiser = {"school_id": school_id}
    elif kind == "PROVINCIAL":
        ids = sorted(scope.directorate_ids)
        organiser = {"directorate_id": ids[0]}
    elif kind == "REGIONAL":
        ids = sorted(scope.academy_ids)
        organiser = {"academy_id": ids[0]}
    with transaction.atomic():
        exists = ExamSession.objects.filter(
            year=year, level=level, kind=kind, round=round, **organiser
        ).exists()
        if exists:
            raise CertificationError(
                "duplicate",
                _("This exam session already exists for that year and level."),
                status=409,
            )
        session = ExamSession.objects.create(
            year=year, level=level, kind=kind, round=round, held_on=held_on, **organiser
        )
        coefficients: dict[int, Decimal] = {}
        for entry in CurriculumEntry.objects.filter(year=year, level=level).order_by(
            "-track_id"
        ):  # track-less rows last, so they win
            coefficients[entry.subject_id] = entry.coefficient
        ExamSubject.objects.bulk_create(
            [
                ExamSubject(session=session, subject_id=s, coefficient=c)
                for s, c in coefficients.items()
            ]
        )
        audit_record(
            actor=actor,
            action="exam_session.create",
            object_type="exam_session",
            object_id=session.pk,
            after={
                "year": year.code,
                "level": level.code,
                "kind": kind,
                "round": round,
                "subjects": len(coefficients),
            },
            school_id=organiser.get("school_id"),
        )
    return session


def _require_manager(scope: Scope, session: ExamSession) -> None:
    if not session_manageable(scope, session):
        raise CertificationError(
            "not_organiser", _("Only the organiser of this exam session may do this."), status=403
        )


def exam_subjects_save(
    *, scope: Scope, actor, session: ExamSession, coefficients: dict[str, str]
) -> int:
    """Sets the session's exam coefficients by subject code ('' or 0 removes the subject)."""
    _require_manager(scope, session)
    subjects = {s.code: s for s in Subject.objects.filter(code__in=list(coefficients))}
    problems, values = [], {}
    for code, text in coefficients.items():
        if code not in subjects:
            problems.append({"where": code, "message": _("Unknown subject code.")})
            continue
        text = str(text).strip().replace(",", ".")
        try:
            value = Decimal(text or "0")
        except ArithmeticError:
            value = Decimal("-1")
        if value < 0 or value >= 100 or value != value.quantize(CENT):
            problems.append(
                {"where": code, "message": _("A coefficient is a number from 0 to 99.99.")}
            )
            continue
        values[subjects[code].pk] = value
    if problems:
        raise CertificationError("invalid", _("Some coefficients are not valid."), problems)
    with transaction.atomic():
        before = {
            s.subject_id: str(s.coefficient) for s in ExamSubject.objects.filter(session=session)
        }
        ExamSubject.objects.filter(session=session, subject_id__in=list(values)).delete()
        kept = [
            ExamSubject(session=session, subject_id=s, coefficient=c)
            for s, c in values.items()
            if c > 0
        ]
        ExamSubject.objects.bulk_create(kept)
        audit_record(
            actor=actor,
            action="exam_session.subjects",
            object_type="exam_session",
            object_id=session.pk,
            before={str(k): v for k, v in before.items()},
            after={str(e.subject_id): str(e.coefficient) for e in kept},
            school_id=session.school_id,
        )
    return len(kept)


# --- candidates ----------------------------------------------------------------------------


def candidates_register(*, scope: Scope, actor, session: ExamSession) -> int:
    """Registers in one INSERT … SELECT the students enrolled in the session's level and
    year in its organiser's territory; those already candidates are left as they are."""
    _require_manager(scope, session)
    if session.round != "NORMAL":
        raise CertificationError(
            "rattrapage", _("The rattrapage session takes the candidates admitted to it.")
        )
    with transaction.atomic():
        added = sql.candidates_insert_enrolled(session=session)
        audit_record(
            actor=actor,
            action="candidates.register",
            object_type="exam_session",
            object_id=session.pk,
            after={"added": added},
            school_id=session.school_id,
        )
    return added


def free_candidate_add(
    *,
    scope: Scope,
    actor,
    session: ExamSession,
    code_massar: str,
    centre: School,
    track: Track | None = None,
) -> Candidate:
    """A free candidate (candidat libre) of the session's year and level, found by Code
    Massar, sitting the exams at `centre`, a school of the session's territory."""
    _require_manager(scope, session)
    code = (code_massar or "").strip().upper()
    student = Student.objects.filter(code_massar=code).first()
    if student is None:
        raise CertificationError(
            "unknown_student", _("No student has the Code Massar %(code)s.") % {"code": code}
        )
    if not session_candidates_territory(session).filter(pk=centre.pk).exists():
        raise CertificationError(
            "centre", _("The exam centre must be a school of this session's territory.")
        )
    with transaction.atomic():
        if Candidate.objects.filter(
            year_id=session.year_id, level_id=session.level_id, student=student
        ).exists():
            raise CertificationError(
                "already_candidate",
                _("%(code)s is already a candidate for this level and year.") % {"code": code},
                status=409,
            )
        if Enrollment.objects.filter(
            student=student,
            year_id=session.year_id,
            level_id=session.level_id,
            status=Enrollment.Status.ENROLLED,
        ).exists():
            raise CertificationError(
                "enrolled",
                _("%(code)s is enrolled in this level: register the school's candidates.")
                % {"code": code},
            )
        candidate = Candidate.objects.create(
            year_id=session.year_id,
            level_id=session.level_id,
            student=student,
            school=centre,
            track=track,
            is_free=True,
        )
        audit_record(
            actor=actor,
            action="candidates.add_free",
            object_type="candidate",
            object_id=candidate.pk,
            after={"code_massar": code, "centre": centre.code, "session": session.pk},
            school_id=centre.pk,
        )
    return candidate


def session_candidates_territory(session: ExamSession):
    """Schools of the session's organiser's territory (exam centres)."""
    qs = School.objects.all()
    if session.kind == "LOCAL":
        return qs.filter(pk=session.school_id)
    if session.kind == "PROVINCIAL":
        return qs.filter(directorate_id=session.directorate_id)
    if session.kind == "REGIONAL":
        return qs.filter(directorate__academy_id=session.academy_id)
    return qs


# --- marks ---------------------------------------------------------------------------------


@dataclass
class MarkInput:
    """One candidate's mark in one subject as submitted; `where` names it in errors."""

    where: str
    candidate_id: int | None
    subject_id: int | None
    score: str | None
    absent: bool


def _write_marks(*, actor, session: ExamSession, rows: list[MarkInput], clear_empty: bool) -> dict:
    """Validates every row (candidate of the session, subject of the session, mark 0–20
    with two decimals) and writes them in one transaction, or raises with every problem."""
    subjects = set(ExamSubject.objects.filter(session=session).values_list("subject_id", flat=True))
    wanted = {r.candidate_id for r in rows if r.candidate_id}
    allowed = set(session_candidates(session).filter(pk__in=wanted).values_list("pk", flat=True))
    problems, values = [], {}
    for r in rows:
        if r.candidate_id is None or r.candidate_id not in allowed:
            problems.append({"where": r.where, "message": _("Not a candidate of this session.")})
            continue
        if r.subject_id is None or r.subject_id not in subjects:
            problems.append({"where": r.where, "message": _("Not a subject of this session.")})
            continue
        score, error = mark_parse(r.score)
        if error:
            problems.append({"where": r.where, "message": error})
            continue
        if r.absent and score is not None:
            problems.append(
                {"where": r.where, "message": _("A candidate marked absent has no mark.")}
            )
            continue
        if score is None and not r.absent and not clear_empty:
            problems.append(
                {"where": r.where, "message": _("Give a mark or mark the candidate absent.")}
            )
            continue
        key = (r.candidate_id, r.subject_id)
        if key in values:
            problems.append({"where": r.where, "message": _("This mark is given twice.")})
            continue
        values[key] = (score, r.absent)
    if problems:
        raise CertificationError(
            "invalid", _("Some marks are not valid; nothing was saved."), problems
        )
    with transaction.atomic():
        old = {
            (m.candidate_id, m.subject_id): m
            for m in ExamMark.objects.select_for_update().filter(
                session=session,
                candidate_id__in={k[0] for k in values},
                subject_id__in={k[1] for k in values},
            )
        }
        upserts, deletes, audits = [], [], []
        for (candidate_id, subject_id), (score, absent) in values.items():
            before = old.get((candidate_id, subject_id))
            if before is not None and before.score == score and before.absent == absent:
                continue
            if score is None and not absent:
                if before is None:
                    continue
                deletes.append(before.pk)
            else:
                upserts.append(
                    ExamMark(
                        session=session,
                        candidate_id=candidate_id,
                        subject_id=subject_id,
                        score=score,
                        absent=absent,
                    )
                )
            audits.append(
                {
                    "actor": actor if getattr(actor, "pk", None) else None,
                    "action": "exam_mark.save",
                    "object_type": "exam_mark",
                    "object_id": f"{session.pk}:{candidate_id}:{subject_id}",
                    "before": None
                    if before is None
                    else {"score": str(before.score), "absent": before.absent},
                    "after": {"score": None if score is None else str(score), "absent": absent},
                    "school_id": session.school_id,
                }
            )
        if deletes:
            ExamMark.objects.filter(pk__in=deletes).delete()
        ExamMark.objects.bulk_create(
            upserts,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["session", "candidate", "subject"],
            update_fields=["score", "absent"],
        )
        audit_bulk(audits)
    return {"saved": len(upserts), "cleared": len(deletes), "unchanged": len(values) - len(audits)}


def exam_marks_save(
    *, scope: Scope, actor, session: ExamSession, subject: Subject, rows: list[dict]
) -> dict:
    """A page of the marks grid: rows of {"candidate_id", "score", "absent"}; an empty
    score without 'absent' clears the mark."""
    _require_manager(scope, session)
    inputs = [
        MarkInput(
            where=str(r.get("code") or r.get("candidate_id")),
            candidate_id=r.get("candidate_id"),
            subject_id=subject.pk,
            score=r.get("score"),
            absent=bool(r.get("absent")),
        )
        for r in rows
    ]
    return _write_marks(actor=actor, session=session, rows=inputs, clear_empty=True)


IMPORT_COLUMNS = ["code_massar", "subject_code", "score", "absent"]
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def exam_marks_import(*, scope: Scope | None, actor, session: ExamSession, data: bytes) -> dict:
    """A CSV `code_massar,subject_code,score,absent` (UTF-8, header row): every bad row is
    reported by line and field, and nothing is written until the file is clean; then it is
    written in one transaction. `scope` None: the command line (the operator)."""
    if scope is not None:
        _require_manager(scope, session)
    if len(data) > MAX_IMPORT_BYTES:
        raise CertificationError("too_big", _("The file is larger than 20 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CertificationError("encoding", _("The file is not UTF-8 text.")) from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if header != IMPORT_COLUMNS:
        raise CertificationError(
            "header",
            _("The first line must be: %(columns)s") % {"columns": ",".join(IMPORT_COLUMNS)},
        )
    lines = [(n, row) for n, row in enumerate(reader, start=2) if any(c.strip() for c in row)]
    codes = {row[0].strip().upper() for _n, row in lines if row}
    candidates = dict(
        session_candidates(session)
        .filter(student__code_massar__in=codes)
        .values_list("student__code_massar", "pk")
    )
    subjects = dict(
        ExamSubject.objects.filter(session=session).values_list("subject__code", "subject_id")
    )
    problems, inputs = [], []
    for n, row in lines:
        if len(row) != 4:
            problems.append(
                {"where": _("line %(n)s") % {"n": n}, "message": _("A line has four fields.")}
            )
            continue
        code, subject_code, score, absent = (c.strip() for c in row)
        where = _("line %(n)s") % {"n": n}
        if code.upper() not in candidates:
            problems.append(
                {
                    "where": _("line %(n)s, code_massar") % {"n": n},
                    "message": _("%(code)s is not a candidate of this session.") % {"code": code},
                }
            )
            continue
        if subject_code not in subjects:
            problems.append(
                {
                    "where": _("line %(n)s, subject_code") % {"n": n},
                    "message": _("%(code)s is not a subject of this session.")
                    % {"code": subject_code},
                }
            )
            continue
        if absent not in ("", "0", "1"):
            problems.append(
                {
                    "where": _("line %(n)s, absent") % {"n": n},
                    "message": _("absent is 0 or 1."),
                }
            )
            continue
        value, error = mark_parse(score)
        if error is None and (value is None) == (absent != "1"):
            error = _("Give a score, or no score and absent 1.")
        if error:
            problems.append({"where": _("line %(n)s, score") % {"n": n}, "message": error})
            continue
        inputs.append(
            MarkInput(
                where=where,
                candidate_id=candidates[code.upper()],
                subject_id=subjects[subject_code],
                score=score,
                absent=absent == "1",
            )
        )
    if problems:
        raise CertificationError(
            "invalid", _("Some lines are not valid; nothing was saved."), problems
        )
    return {
        "lines": len(inputs),
        **_write_marks(actor=actor, session=session, rows=inputs, clear_empty=False),
    }


# --- results -------------------------------------------------------------------------------


@dataclass
class _Components:
    normal: dict
    best: dict


def _exam_components(rows: list[tuple], subject_counts: dict[int, int]) -> dict[int, _Components]:
    """From the aggregate rows, each candidate's exam marks by kind (normal and best-of),
    None when a subject of the session has no mark yet. The candidate's own session of a kind
    wins over the previous level's (the baccalauréat's 1st-year regional exam), and among
    these the latest year's."""
    chosen: dict[tuple[int, str], tuple] = {}
    for row in rows:
        candidate_id, kind, _session, starts_on, own = row[:5]
        key = (candidate_id, kind)
        rank = (own, starts_on)
        if key not in chosen or rank > chosen[key][0]:
            chosen[key] = (rank, row)
    out: dict[int, _Components] = {}
    for (candidate_id, kind), (_rank, row) in chosen.items():
        _c, _k, session_id, _y, _own, normal_sum, best_sum, coef_sum, marks = row
        comps = out.setdefault(candidate_id, _Components({}, {}))
        coef_sum = _dec(coef_sum)
        if marks < subject_counts.get(session_id, 0) or not coef_sum:
            comps.normal[kind] = comps.best[kind] = None
            continue
        comps.normal[kind] = round2(_dec(normal_sum) / coef_sum)
        comps.best[kind] = round2(_dec(best_sum) / coef_sum)
    return out


def _dec(value) -> Decimal:
    """SQLite sums decimals as floats: products of two 2-decimal numbers have 4 decimals."""
    return Decimal(str(value or 0)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def general_mark(policy, components: dict, *, is_free: bool) -> Decimal | None:
    """Σ weight × component / Σ weight over the components the policy weighs; None when a
    weighed component is missing or nothing is weighed (not a certification level)."""
    weights = {k: getattr(policy, WEIGHT_OF[k]) for k in KINDS}
    weights["CONTINUOUS"] = policy.continuous_weight
    if is_free:
        weights["CONTINUOUS"] = Decimal(0)
        if policy.free_regional_weight or policy.free_national_weight:
            weights = {
                "REGIONAL": policy.free_regional_weight,
                "NATIONAL": policy.free_national_weight,
            }
    weights = {k: w for k, w in weights.items() if w}
    total = sum(weights.values(), Decimal(0))
    if not total or any(components.get(k) is None for k in weights):
        return None
    return round2(sum((w * components[k] for k, w in weights.items()), Decimal(0)) / total)


def certification_compute(*, scope: Scope, actor, year: SchoolYear, level: Level) -> dict:
    """Computes the CertificationResult of every candidate of the level and year in the
    actor's territory: a fixed number of queries per chunk of CHUNK candidates (candidates,
    exam-mark aggregate, annual averages, one upsert), never a query per candidate."""
    if not scope.has("MINISTRY", "ACADEMY", "DIRECTORATE"):
        raise CertificationError(
            "forbidden",
            _("Only the ministry, an academy or a directorate computes results."),
            status=403,
        )
    scoped = candidate_list(scope).filter(year=year, level=level)
    stored = policies_for_year(year)
    previous = Level.objects.filter(order__lt=level.order).order_by("-order").first()
    subject_counts: dict[int, int] = {}
    for session_id in (
        ExamSubject.objects.values_list("session_id", flat=True)
        .filter(session__year__starts_on__lte=year.starts_on)
        .filter(session__level__in=[level] + ([previous] if previous else []))
    ):
        subject_counts[session_id] = subject_counts.get(session_id, 0) + 1
    rattrapage_held = ExamMark.objects.filter(
        session__year=year, session__level=level, session__round="RATTRAPAGE"
    ).exists()
    counts = {"candidates": 0, "PASSED": 0, "RATTRAPAGE": 0, "FAILED": 0, "incomplete": 0}
    now = timezone.now()
    ids = list(scoped.order_by("pk").values_list("pk", flat=True))
    inner = scoped.values("pk").order_by().query.sql_with_params()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        lo, hi = chunk[0], chunk[-1]
        candidates = list(
            Candidate.objects.filter(pk__in=chunk).values_list(
                "pk", "student_id", "school_id", "track_id", "is_free"
            )
        )
        rows = sql.exam_mark_sums(
            year=year,
            level_id=level.pk,
            previous_level_id=previous.pk if previous else None,
            candidates_sql=inner,
            lo=lo,
            hi=hi,
        )
        components = _exam_components(rows, subject_counts)
        continuous: dict[int, tuple] = {}
        for student_id, school_id, average in GeneralResult.objects.filter(
            year=year,
            period=Period.ANNUAL,
            level=level,
            student_id__in=[c[1] for c in candidates],
        ).values_list("student_id", "school_id", "average"):
            continuous.setdefault(student_id, {})[school_id] = average
        results = []
        for pk, student_id, school_id, track_id, is_free in candidates:
            policy = policy_for(year=year, level=level, track=track_id, stored=stored)
            comps = components.get(pk, _Components({}, {}))
            averages = continuous.get(student_id, {})
            cc = None if is_free else averages.get(school_id, next(iter(averages.values()), None))
            normal = {**comps.normal, "CONTINUOUS": cc}
            best = {**comps.best, "CONTINUOUS": cc}
            normal_general = general_mark(policy, normal, is_free=is_free)
            shown, general, outcome, admitted = normal, normal_general, "", False
            if normal_general is not None:
                admitted = (
                    policy.rattrapage_enabled
                    and policy.rattrapage_floor <= normal_general < policy.pass_mark
                )
                if admitted and rattrapage_held:
                    shown, general = best, general_mark(policy, best, is_free=is_free)
                    outcome = "PASSED" if general >= policy.pass_mark else "FAILED"
                elif admitted:
                    outcome = "RATTRAPAGE"
                else:
                    outcome = "PASSED" if general >= policy.pass_mark else "FAILED"
            has_weights = (
                general_mark(
                    policy, {k: Decimal(0) for k in (*KINDS, "CONTINUOUS")}, is_free=is_free
                )
                is not None
            )
            if has_weights and outcome == "":
                counts["incomplete"] += 1
            elif outcome:
                counts[outcome] += 1
            results.append(
                CertificationResult(
                    candidate_id=pk,
                    continuous=cc,
                    local=shown.get("LOCAL"),
                    provincial=shown.get("PROVINCIAL"),
                    regional=shown.get("REGIONAL"),
                    national=shown.get("NATIONAL"),
                    general=general,
                    normal_general=normal_general,
                    rattrapage=admitted,
                    outcome=outcome,
                    mention=mention_for(general) if outcome == "PASSED" else "",
                    computed_at=now,
                )
            )
        with transaction.atomic():
            CertificationResult.objects.bulk_create(
                results,
                batch_size=2000,
                update_conflicts=True,
                unique_fields=["candidate"],
                update_fields=[
                    "continuous",
                    "local",
                    "provincial",
                    "regional",
                    "national",
                    "general",
                    "normal_general",
                    "rattrapage",
                    "outcome",
                    "mention",
                    "computed_at",
                ],
            )
        counts["candidates"] += len(candidates)
    audit_record(
        actor=actor,
        action="certification.compute",
        object_type="level",
        object_id=level.code,
        after={"year": year.code, **counts},
    )
    return counts
