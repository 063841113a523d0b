"""Certification exams (6AP, 3AC, baccalauréat): sessions, their subjects and coefficients,
candidates, exam marks and the computed general mark, outcome and mention."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExamKind(models.TextChoices):
    LOCAL = "LOCAL", _("Local exam")
    PROVINCIAL = "PROVINCIAL", _("Provincial exam")
    REGIONAL = "REGIONAL", _("Regional exam")
    NATIONAL = "NATIONAL", _("National exam")


class ExamSession(models.Model):
    class Round(models.TextChoices):
        NORMAL = "NORMAL", _("Normal session")
        RATTRAPAGE = "RATTRAPAGE", _("Rattrapage session")

    year = models.ForeignKey("schools.SchoolYear", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("schools.Level", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("exam"), max_length=12, choices=ExamKind.choices)
    round = models.CharField(_("session"), max_length=12, choices=Round.choices, default="NORMAL")
    # who organises it: a school (local), a directorate (provincial), an academy (regional),
    # the ministry (national, all empty)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    directorate = models.ForeignKey(
        "territory.Directorate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    academy = models.ForeignKey(
        "territory.Academy", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField(_("date"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class ExamSubject(models.Model):
    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="subjects")
    subject = models.ForeignKey("schools.Subject", on_delete=models.PROTECT, related_name="+")
    coefficient = models.DecimalField(_("coefficient"), max_digits=4, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "subject"], name="one_exam_subject")
        ]


class Candidate(models.Model):
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey("schools.Level", on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey("registry.Student", on_delete=models.PROTECT, related_name="+")
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    track = models.ForeignKey(
        "schools.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_free = models.BooleanField(_("free candidate"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "level", "student"], name="one_candidacy")
        ]


class ExamMark(models.Model):
    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="marks")
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="marks")
    subject = models.ForeignKey("schools.Subject", on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=4, decimal_places=2, null=True, blank=True)
    absent = models.BooleanField(default=False)  # counts 0

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "candidate", "subject"], name="one_exam_mark"
            )
        ]


class CertificationResult(models.Model):
    class Outcome(models.TextChoices):
        PASSED = "PASSED", _("Passed")
        RATTRAPAGE = "RATTRAPAGE", _("Admitted to the rattrapage session")
        FAILED = "FAILED", _("Failed")

    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="result")
    continuous = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    local = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    provincial = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    regional = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    national = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    general = models.DecimalField(_("general mark"), max_digits=4, decimal_places=2, null=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    mention = models.CharField(max_length=20, blank=True)
    # the general mark of the normal session, kept once a rattrapage has replaced `general`
    normal_general = models.DecimalField(max_digits=4, decimal_places=2, null=True)
    rattrapage = models.BooleanField(_("admitted to the rattrapage session"), default=False)
    computed_at = models.DateTimeField(auto_now=True)
