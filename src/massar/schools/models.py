"""Schools (établissements), school years and semesters, levels, tracks, subjects and the
curriculum that ties them together."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from massar.core.i18n import BilingualName

gresa_code = RegexValidator(r"^\d{5}[A-Z]$", _("A school code is 5 digits and 1 capital letter."))


class Cycle(models.TextChoices):
    PRIMARY = "PRIMARY", _("Primary")
    MIDDLE = "MIDDLE", _("Lower secondary (collège)")
    HIGH = "HIGH", _("Upper secondary (lycée)")


class School(BilingualName, models.Model):
    class Sector(models.TextChoices):
        PUBLIC = "PUBLIC", _("Public")
        PRIVATE = "PRIVATE", _("Private")

    class Area(models.TextChoices):
        URBAN = "URBAN", _("Urban")
        RURAL = "RURAL", _("Rural")

    code = models.CharField(_("school code"), max_length=6, unique=True, validators=[gresa_code])
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    directorate = models.ForeignKey(
        "territory.Directorate", on_delete=models.PROTECT, related_name="schools"
    )
    sector = models.CharField(_("sector"), max_length=10, choices=Sector.choices)
    area = models.CharField(_("area"), max_length=10, choices=Area.choices)
    has_primary = models.BooleanField(_("primary cycle"), default=False)
    has_middle = models.BooleanField(_("collège cycle"), default=False)
    has_high = models.BooleanField(_("lycée cycle"), default=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")

    @property
    def cycles(self) -> list[str]:
        flags = [
            (self.has_primary, Cycle.PRIMARY),
            (self.has_middle, Cycle.MIDDLE),
            (self.has_high, Cycle.HIGH),
        ]
        return [cycle for on, cycle in flags if on]


class SchoolYear(models.Model):
    code = models.CharField(_("school year"), max_length=9, unique=True)  # "2025-2026"
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    is_current = models.BooleanField(_("current"), default=False)
    is_closed = models.BooleanField(_("closed to edits"), default=False)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="one_current_year"
            )
        ]

    def __str__(self) -> str:
        return self.code


class Semester(models.Model):
    year = models.ForeignKey(SchoolYear, on_delete=models.CASCADE, related_name="semesters")
    number = models.PositiveSmallIntegerField(
        _("semester"), choices=[(1, _("first semester")), (2, _("second semester"))]
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))

    class Meta:
        ordering = ["year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="one_semester_number")
        ]

    def __str__(self) -> str:
        return f"{self.year} S{self.number}"


class Level(BilingualName, models.Model):
    code = models.CharField(_("level code"), max_length=5, unique=True)  # 1AP … 2BAC
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_ar = models.CharField(_("name (Arabic)"), max_length=100)
    cycle = models.CharField(_("cycle"), max_length=10, choices=Cycle.choices)
    order = models.PositiveSmallIntegerField(unique=True)
    has_tracks = models.BooleanField(default=False)
    is_terminal = models.BooleanField(_("leaves the cycle"), default=False)

    class Meta:
        ordering = ["order"]


class Track(BilingualName, models.Model):
    code = models.CharField(_("track code"), max_length=12, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=150)
    name_ar = models.CharField(_("name (Arabic)"), max_length=150)
    levels = models.ManyToManyField(Level, related_name="tracks")

    class Meta:
        ordering = ["code"]


class Subject(BilingualName, models.Model):
    code = models.CharField(_("subject code"), max_length=10, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=150)
    name_ar = models.CharField(_("name (Arabic)"), max_length=150)

    class Meta:
        ordering = ["code"]


class CurriculumEntry(models.Model):
    """A subject taught at a level (and track) in a school year, with its coefficient."""

    year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="curriculum")
    level = models.ForeignKey(Level, on_delete=models.PROTECT)
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.PROTECT)
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT)
    coefficient = models.DecimalField(_("coefficient"), max_digits=4, decimal_places=2)
    weekly_hours = models.DecimalField(_("weekly hours"), max_digits=4, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "level", "track", "subject"], name="one_curriculum_entry"
            ),
            models.UniqueConstraint(
                fields=["year", "level", "subject"],
                condition=models.Q(track__isnull=True),
                name="one_curriculum_entry_without_track",
            ),
        ]
