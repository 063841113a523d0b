"""Teachers and administrative staff, identified by their ministry staff number (PPR)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffMember(models.Model):
    class Kind(models.TextChoices):
        TEACHER = "TEACHER", _("Teacher")
        ADMIN = "ADMIN", _("Administrative staff")
        DIRECTOR = "DIRECTOR", _("Director")

    class Contract(models.TextChoices):
        CIVIL_SERVANT = "CIVIL", _("Civil servant")
        ACADEMY = "AREF", _("Academy contract")
        PRIVATE = "PRIVATE", _("Private school contract")

    ppr = models.CharField(_("staff number (PPR)"), max_length=10, unique=True)
    last_name_fr = models.CharField(_("last name (Latin)"), max_length=100)
    first_name_fr = models.CharField(_("first name (Latin)"), max_length=100)
    last_name_ar = models.CharField(_("last name (Arabic)"), max_length=100)
    first_name_ar = models.CharField(_("first name (Arabic)"), max_length=100)
    sex = models.CharField(_("sex"), max_length=1, choices=[("M", _("Male")), ("F", _("Female"))])
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    corps = models.CharField(_("corps and grade"), max_length=100, blank=True)
    contract = models.CharField(_("contract"), max_length=10, choices=Contract.choices)
    required_weekly_hours = models.PositiveSmallIntegerField(_("required weekly hours"), default=0)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    subjects = models.ManyToManyField("schools.Subject", blank=True, related_name="teachers")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff_member",
    )

    class Meta:
        ordering = ["last_name_fr", "first_name_fr"]

    def __str__(self) -> str:
        return f"{self.last_name_fr} {self.first_name_fr}"


class Posting(models.Model):
    """A staff member attached to a school (a teacher may serve several)."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="postings")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="postings")
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "school"], name="one_posting")]
