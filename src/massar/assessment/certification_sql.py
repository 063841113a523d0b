"""Set-based SQL of the certification exams: registering a territory's enrolled students as
candidates in one INSERT … SELECT, and the per-candidate exam marks of a level in one
aggregate per chunk of candidates. Portable between PostgreSQL and SQLite (no GREATEST, no
ON CONFLICT: NOT EXISTS and CASE instead)."""

from __future__ import annotations

from django.db import connection

from massar.assessment.models import Candidate, ExamMark, ExamSession, ExamSubject
from massar.enrollment.models import Enrollment
from massar.schools.models import School, SchoolYear
from massar.territory.models import Directorate

T_CANDIDATE = Candidate._meta.db_table
T_MARK = ExamMark._meta.db_table
T_SESSION = ExamSession._meta.db_table
T_SUBJECT = ExamSubject._meta.db_table
T_ENROLLMENT = Enrollment._meta.db_table
T_SCHOOL = School._meta.db_table
T_DIRECTORATE = Directorate._meta.db_table
T_YEAR = SchoolYear._meta.db_table


def candidates_insert_enrolled(*, session: ExamSession) -> int:
    """Registers as candidates of the session's year and level the students ENROLLED in that
    level in the organiser's territory who are not candidates yet; returns the number added.
    Relies on the enrollment (year, level, status) and candidate (year, level, student)
    indexes."""
    where, params = (
        ["e.year_id = %s", "e.level_id = %s", "e.status = %s"],
        [
            session.year_id,
            session.level_id,
            Enrollment.Status.ENROLLED,
        ],
    )
    if session.kind == "LOCAL":
        where.append("e.school_id = %s")
        params.append(session.school_id)
    elif session.kind == "PROVINCIAL":
        where.append("sc.directorate_id = %s")
        params.append(session.directorate_id)
    elif session.kind == "REGIONAL":
        where.append("d.academy_id = %s")
        params.append(session.academy_id)
    sql = f"""
        INSERT INTO {T_CANDIDATE} (year_id, level_id, student_id, school_id, track_id, is_free)
        SELECT e.year_id, e.level_id, e.student_id, MIN(e.school_id), MIN(e.track_id), %s
        FROM {T_ENROLLMENT} e
        JOIN {T_SCHOOL} sc ON sc.id = e.school_id
        JOIN {T_DIRECTORATE} d ON d.id = sc.directorate_id
        WHERE {" AND ".join(where)}
          AND NOT EXISTS (
            SELECT 1 FROM {T_CANDIDATE} c
            WHERE c.year_id = e.year_id AND c.level_id = e.level_id AND c.student_id = e.student_id
          )
        GROUP BY e.year_id, e.level_id, e.student_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [False, *params])
        return cursor.rowcount


def exam_mark_sums(
    *, year: SchoolYear, level_id: int, previous_level_id: int | None, candidates_sql, lo, hi
) -> list[tuple]:
    """Per target candidate (year, level, id in [lo, hi] and in `candidates_sql`) and per exam
    session that counts for them: (candidate_id, kind, session_id, source year's start,
    own (1) or from the previous level (0), Σ coef × mark of the normal session, Σ coef × best
    of normal and rattrapage mark per subject, Σ coef, number of marks).

    A mark counts 0 when absent. The sessions are the level's NORMAL sessions of the year,
    plus the REGIONAL sessions of the previous level in that year or before (the 1st-year
    regional exam of the baccalauréat); the caller picks the one that applies."""
    inner_sql, inner_params = candidates_sql
    mark = "CASE WHEN m.absent THEN 0 ELSE COALESCE(m.score, 0) END"
    sql = f"""
        SELECT t.id, s.kind, s.id, y.starts_on, CASE WHEN c.id = t.id THEN 1 ELSE 0 END,
          SUM(es.coefficient * {mark}),
          SUM(es.coefficient * CASE WHEN r.best IS NOT NULL AND r.best > {mark}
                                    THEN r.best ELSE {mark} END),
          SUM(es.coefficient),
          COUNT(m.id)
        FROM {T_CANDIDATE} t
        JOIN {T_CANDIDATE} c ON c.student_id = t.student_id
        JOIN {T_MARK} m ON m.candidate_id = c.id
        JOIN {T_SESSION} s ON s.id = m.session_id AND s.round = %s
        JOIN {T_YEAR} y ON y.id = s.year_id
        JOIN {T_SUBJECT} es ON es.session_id = s.id AND es.subject_id = m.subject_id
        LEFT JOIN (
          SELECT rm.candidate_id, rs.kind, rm.subject_id,
                 MAX(CASE WHEN rm.absent THEN 0 ELSE COALESCE(rm.score, 0) END) AS best
          FROM {T_MARK} rm JOIN {T_SESSION} rs ON rs.id = rm.session_id
          WHERE rs.round = %s AND rs.year_id = %s AND rs.level_id = %s
          GROUP BY rm.candidate_id, rs.kind, rm.subject_id
        ) r ON r.candidate_id = m.candidate_id AND r.kind = s.kind AND r.subject_id = m.subject_id
        WHERE t.year_id = %s AND t.level_id = %s AND t.id BETWEEN %s AND %s
          AND t.id IN ({inner_sql})
          AND (
            (c.id = t.id AND s.year_id = t.year_id AND s.level_id = t.level_id)
            OR (c.level_id = %s AND s.level_id = %s AND s.kind = %s AND y.starts_on <= %s)
          )
        GROUP BY t.id, s.kind, s.id, y.starts_on, CASE WHEN c.id = t.id THEN 1 ELSE 0 END
    """
    params = [
        "NORMAL",
        "RATTRAPAGE",
        year.pk,
        level_id,
        year.pk,
        level_id,
        lo,
        hi,
        *inner_params,
        previous_level_id or -1,
        previous_level_id or -1,
        "REGIONAL",
        year.starts_on,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
