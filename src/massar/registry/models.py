"""The national registry: one definitive identity per student (the Code Massar) and their
guardians."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

code_massar_validator = RegexValidator(
    r"^[A-Z]\d{9}$", _("A Code Massar is one capital letter followed by 9 digits.")
)


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class CodeMassarSequence(models.Model):
    """Next number to hand out under one letter. Codes are allocated in blocks under a row lock,
    so concurrent registrations never receive the same code and codes are never reused."""

    letter = models.CharField(max_length=1, primary_key=True)
    next_number = models.BigIntegerField(default=100_000_000)


class Student(models.Model):
    code_massar = models.CharField(
        _("Code Massar"), max_length=10, unique=True, validators=[code_massar_validator]
    )
    last_name_fr = models.CharField(_("last name (Latin)"), max_length=100)
    first_name_fr = models.CharField(_("first name (Latin)"), max_length=100)
    last_name_ar = models.CharField(_("last name (Arabic)"), max_length=100)
    first_name_ar = models.CharField(_("first name (Arabic)"), max_length=100)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    # indexed as the first column of (birth_date, dup_key_fr) below
    birth_date = models.DateField(_("date of birth"))
    birth_place = models.CharField(_("place of birth"), max_length=100, blank=True)
    nationality = models.CharField(_("nationality"), max_length=60, default="MA")
    national_id = models.CharField(_("national ID number"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    special_needs = models.BooleanField(_("special needs"), default=False)
    photo = models.ImageField(_("photo"), upload_to="students/", blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="student",
    )
    # Normalised "last first" names for prefix search (identity.search_key / search_key_ar),
    # written by the services with the names.
    search_fr = models.CharField(max_length=201, default="", editable=False)
    search_ar = models.CharField(max_length=201, default="", editable=False)
    # Blocking keys for duplicate detection: skeleton of the first name in each script
    # (identity.latin_skeleton / arabic_key); candidates share birth date and one of them.
    dup_key_fr = models.CharField(max_length=60, default="", editable=False)
    dup_key_ar = models.CharField(max_length=60, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name_fr", "first_name_fr"]
        indexes = [
            # The prefix-search indexes, on (search_fr COLLATE "C", id) and the same for
            # search_ar, come with migration 0003: in byte order one index serves both
            # LIKE 'prefix%' and the page's ORDER BY on PostgreSQL.
            models.Index(fields=["birth_date", "dup_key_fr"], name="student_dup_fr"),
            models.Index(fields=["birth_date", "dup_key_ar"], name="student_dup_ar"),
        ]
        verbose_name = _("student")
        verbose_name_plural = _("students")

    def __str__(self) -> str:
        return f"{self.code_massar} {self.last_name_fr} {self.first_name_fr}"

    @property
    def full_name_fr(self) -> str:
        return f"{self.last_name_fr} {self.first_name_fr}"

    @property
    def full_name_ar(self) -> str:
        return f"{self.last_name_ar} {self.first_name_ar}"


class Guardian(models.Model):
    last_name_fr = models.CharField(_("last name (Latin)"), max_length=100)
    first_name_fr = models.CharField(_("first name (Latin)"), max_length=100)
    last_name_ar = models.CharField(_("last name (Arabic)"), max_length=100, blank=True)
    first_name_ar = models.CharField(_("first name (Arabic)"), max_length=100, blank=True)
    # indexed in Meta: a CharField's db_index adds a second, pattern-ops index on PostgreSQL for
    # LIKE 'prefix%', and phones are only ever looked up whole (imports match families by phone)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_operator = models.CharField(_("phone operator"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    national_id = models.CharField(_("national ID number"), max_length=20, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="guardian",
    )

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        indexes = [models.Index(fields=["phone"], name="guardian_phone")]

    def __str__(self) -> str:
        return f"{self.last_name_fr} {self.first_name_fr}"


class GuardianLink(models.Model):
    class Relation(models.TextChoices):
        FATHER = "FATHER", _("Father")
        MOTHER = "MOTHER", _("Mother")
        TUTOR = "TUTOR", _("Legal tutor")

    # the (student, guardian) unique index serves lookups by student
    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="guardian_links", db_index=False
    )
    guardian = models.ForeignKey(Guardian, on_delete=models.CASCADE, related_name="links")
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "guardian"], name="one_link_per_guardian")
        ]


class StudentStatusChange(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "REGISTERED", _("Registered in the national registry")
        ENROLLED = "ENROLLED", _("Enrolled")
        TRANSFERRED = "TRANSFERRED", _("Transferred")
        LEFT = "LEFT", _("Left school")
        EXCLUDED = "EXCLUDED", _("Excluded")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="status_history")
    at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=30, choices=Status.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]


class ImportBatch(models.Model):
    """An uploaded file of students: validated first (problems stored as codes and parameters,
    shown in the reader's language), loaded only once accepted, inside a Job."""

    class Status(models.TextChoices):
        CHECKING = "CHECKING", _("Being checked")
        REJECTED = "REJECTED", _("Has problems")
        VALID = "VALID", _("Ready to load")
        LOADING = "LOADING", _("Loading")
        LOADED = "LOADED", _("Loaded")
        FAILED = "FAILED", _("Failed")

    kind = models.CharField(max_length=20, default="students")
    file = models.FileField(upload_to="imports/")
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    row_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    likely_duplicates = models.PositiveIntegerField(default=0)
    accept_new_identities = models.BooleanField(default=False)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL)
