"""Kernel models: users and their role assignments, the audit log, jobs, sign-in safety."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MINISTRY = "MINISTRY", _("Ministry")
    ACADEMY = "ACADEMY", _("Regional academy")
    DIRECTORATE = "DIRECTORATE", _("Provincial directorate")
    DIRECTOR = "DIRECTOR", _("School director")
    STAFF = "STAFF", _("School staff")
    TEACHER = "TEACHER", _("Teacher")
    STUDENT = "STUDENT", _("Student")
    GUARDIAN = "GUARDIAN", _("Guardian")


# Roles whose accounts reach many students' data: a second factor is mandatory for them.
TOTP_REQUIRED_ROLES = frozenset({Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR})
STAFF_ROLES = frozenset(
    {Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR, Role.STAFF, Role.TEACHER}
)


class User(AbstractUser):
    """A person who signs in. `username` is the Massar identifier (…@taalim.ma)."""

    first_name_ar = models.CharField(_("first name (Arabic)"), max_length=100, blank=True)
    last_name_ar = models.CharField(_("last name (Arabic)"), max_length=100, blank=True)
    recovery_email = models.EmailField(_("recovery e-mail"), blank=True)
    recovery_phone = models.CharField(_("recovery phone"), max_length=20, blank=True)
    language = models.CharField(_("language"), max_length=5, default="fr")
    must_change_password = models.BooleanField(_("must change password"), default=False)
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_enabled = models.BooleanField(_("two-factor enabled"), default=False)
    totp_last_counter = models.BigIntegerField(default=0)

    def display_name(self) -> str:
        """The name in the script of the page's language (Arabic names on Arabic pages)."""
        from django.utils.translation import get_language

        if (get_language() or "")[:2] == "ar" and (self.first_name_ar or self.last_name_ar):
            return f"{self.first_name_ar} {self.last_name_ar}".strip()
        return self.get_full_name() or self.username


class RoleAssignment(models.Model):
    """One role held by a user, bounded to its territory or school.

    A ministry role has no bound; academy, directorate and school roles name theirs. Teachers,
    students and guardians are bounded to a school, and narrowed further by their classes or
    children through the domain apps' relations.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=20, choices=Role.choices)
    academy = models.ForeignKey(
        "territory.Academy", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    directorate = models.ForeignKey(
        "territory.Directorate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "role"])]
        constraints = [
            models.CheckConstraint(
                name="role_assignment_bound",
                condition=(
                    models.Q(role="MINISTRY")
                    | models.Q(role="ACADEMY", academy__isnull=False)
                    | models.Q(role="DIRECTORATE", directorate__isnull=False)
                    | models.Q(role__in=["DIRECTOR", "STAFF", "TEACHER"], school__isnull=False)
                    | models.Q(role__in=["STUDENT", "GUARDIAN"])
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")

    def delete(self):
        raise PermissionError("the audit log is append-only")


class AuditEntry(models.Model):
    """Append-only record of every write a service makes. On PostgreSQL a trigger also refuses
    UPDATE and DELETE, so not even raw SQL from the application can rewrite history."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64)
    school_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    source = models.CharField(max_length=20, default="web")

    objects = AuditQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"])]
        ordering = ["-at", "-id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


class Job(models.Model):
    """A long task (import, results, rollover, bulk PDFs) and its progress."""

    class Status(models.TextChoices):
        PENDING = "PENDING", _("Waiting")
        RUNNING = "RUNNING", _("Running")
        DONE = "DONE", _("Finished")
        FAILED = "FAILED", _("Failed")

    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    params = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="jobs")
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class SignInFailure(models.Model):
    """A failed sign-in, counted per identifier and per client address for lockout."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    identifier = models.CharField(max_length=150, db_index=True)
    client_address = models.GenericIPAddressField(null=True, db_index=True)


class RecoveryCode(models.Model):
    """A one-time, expiring password-reset code sent to a recovery address on file.
    Only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=128, unique=True)
    channel = models.CharField(max_length=10)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)


class ApiToken(models.Model):
    """A bearer token for the API; only its hash is stored, the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=128, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class Notification(models.Model):
    """An in-app notice to one user (a test moved, results published...). The same event may
    also go out by e-mail or SMS through core.channels."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]


class VerifiableDocument(models.Model):
    """A document the school issued (report card, school certificate) that anyone holding it
    can check on the public verification page by its code. `facts` holds exactly what that
    page may show (name, school, year, kind-specific key figures) and nothing more."""

    class Kind(models.TextChoices):
        REPORT_CARD = "REPORT_CARD", _("Report card")
        CERTIFICATE = "CERTIFICATE", _("School certificate")

    code = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    school = models.ForeignKey(
        "schools.School", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    student_id = models.BigIntegerField(null=True, db_index=True)  # registry.Student, by id
    subject_key = models.CharField(max_length=80, db_index=True)  # e.g. "report:<student>:<S1>"
    facts = models.JSONField(default=dict)
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
