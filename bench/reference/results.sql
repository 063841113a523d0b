-- Reference for bench/results.py: the whole nation's results of one school year written by
-- hand, nation-wide in a few statements, straight numeric arithmetic (PostgreSQL's
-- ROUND(numeric, 2) rounds half away from zero: half-up for marks). Same outputs as the
-- results job: subject averages S1/S2/ANNUAL with ranks in class, general averages
-- S1/S2/ANNUAL with ranks in class and in level (school × level), class statistics.
-- Assumes the default policy (activities count, semester weights 1:1), which is what a
-- generated nation has. Parameter: :year (school year id). Output: ref_subject, ref_general,
-- ref_stat (plain tables, dropped and created here).

DROP TABLE IF EXISTS ref_subject, ref_general, ref_stat;

CREATE TABLE ref_subject AS
WITH enr AS (
    SELECT e.student_id, e.school_id, e.school_class_id, c.level_id, c.track_id
    FROM enrollment_enrollment e JOIN enrollment_schoolclass c ON c.id = e.school_class_id
    WHERE e.year_id = :year AND e.status = 'ENROLLED' AND c.school_id = e.school_id
),
mark AS (
    SELECT m.student_id, m.subject_id, 'S' || s.number AS period, t.score
    FROM assessment_markline m
    JOIN schools_semester s ON s.id = m.semester_id AND s.year_id = :year
    CROSS JOIN LATERAL (VALUES (m.score1, m.absent1), (m.score2, m.absent2),
        (m.score3, m.absent3), (m.score4, m.absent4),
        (m.activities, m.activities_absent)) AS t(score, absent)
),
avg AS (
    SELECT enr.school_id, enr.school_class_id, mark.student_id, mark.subject_id, mark.period,
           ROUND(AVG(mark.score), 2) AS average
    FROM mark JOIN enr ON enr.student_id = mark.student_id
    GROUP BY 1, 2, 3, 4, 5
)
SELECT *, CASE WHEN average IS NOT NULL THEN RANK() OVER (
    PARTITION BY school_class_id, subject_id, period, average IS NULL ORDER BY average DESC) END
    AS rank
FROM avg;

INSERT INTO ref_subject
SELECT school_id, school_class_id, student_id, subject_id, 'ANNUAL', average,
       CASE WHEN average IS NOT NULL THEN RANK() OVER (
           PARTITION BY school_class_id, subject_id, average IS NULL ORDER BY average DESC) END
FROM (
    SELECT school_id, school_class_id, student_id, subject_id, ROUND(AVG(average), 2) AS average
    FROM ref_subject GROUP BY 1, 2, 3, 4
) a;

CREATE TABLE ref_general AS
WITH enr AS (
    SELECT e.student_id, e.school_id, e.school_class_id, c.level_id, c.track_id
    FROM enrollment_enrollment e JOIN enrollment_schoolclass c ON c.id = e.school_class_id
    WHERE e.year_id = :year AND e.status = 'ENROLLED' AND c.school_id = e.school_id
),
sem AS (
    SELECT enr.school_id, enr.school_class_id, enr.level_id, enr.student_id, p.period,
           ROUND(SUM(ce.coefficient * r.average) / SUM(ce.coefficient), 2) AS average
    FROM enr CROSS JOIN (VALUES ('S1'), ('S2')) AS p(period)
    LEFT JOIN ref_subject r ON r.student_id = enr.student_id AND r.period = p.period
         AND r.average IS NOT NULL
    LEFT JOIN schools_curriculumentry ce ON ce.year_id = :year AND ce.level_id = enr.level_id
         AND ce.track_id IS NOT DISTINCT FROM enr.track_id AND ce.subject_id = r.subject_id
    GROUP BY 1, 2, 3, 4, 5
),
annual AS (
    SELECT school_id, school_class_id, level_id, student_id, 'ANNUAL' AS period,
           ROUND(AVG(average), 2) AS average
    FROM sem GROUP BY 1, 2, 3, 4
),
g AS (SELECT * FROM sem UNION ALL SELECT * FROM annual)
SELECT g.*,
       CASE WHEN average IS NOT NULL THEN RANK() OVER (
           PARTITION BY school_class_id, period, average IS NULL ORDER BY average DESC) END
           AS rank_class,
       CASE WHEN average IS NOT NULL THEN RANK() OVER (
           PARTITION BY school_id, level_id, period, average IS NULL ORDER BY average DESC) END
           AS rank_level
FROM g;

CREATE TABLE ref_stat AS
SELECT school_id, school_class_id, subject_id, period, ROUND(AVG(average), 2) AS mean,
       MIN(average) AS minimum, MAX(average) AS maximum, COUNT(average) AS count
FROM ref_subject GROUP BY 1, 2, 3, 4;
