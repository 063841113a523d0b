"""The evaluation's data: grading policy, test calendar, marks and their locks, results,
class councils and publication, certification exams. One module per concept."""

from massar.assessment.models.calendar import PlannedTest, TestStatus
from massar.assessment.models.certification import (
    Candidate,
    CertificationResult,
    ExamKind,
    ExamMark,
    ExamSession,
    ExamSubject,
)
from massar.assessment.models.marks import GradeBook, GradeDeadline, MarkChange, MarkLine
from massar.assessment.models.policy import GradingPolicy
from massar.assessment.models.results import (
    ClassCouncil,
    ClassSubjectStat,
    CouncilDecision,
    GeneralResult,
    Period,
    Publication,
    SubjectResult,
)

__all__ = [
    "Candidate",
    "CertificationResult",
    "ClassCouncil",
    "ClassSubjectStat",
    "CouncilDecision",
    "ExamKind",
    "ExamMark",
    "ExamSession",
    "ExamSubject",
    "GeneralResult",
    "GradeBook",
    "GradeDeadline",
    "GradingPolicy",
    "MarkChange",
    "MarkLine",
    "Period",
    "PlannedTest",
    "Publication",
    "SubjectResult",
    "TestStatus",
]
