from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Thread(models.Model):
    """A conversation between a guardian (about a child) and the school's administration, or
    one of the child's teachers where the school allows it."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    student = models.ForeignKey(
        "registry.Student", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    guardian_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    teacher = models.ForeignKey(
        "staff.StaffMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-last_message_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "-last_message_at"]),
            models.Index(fields=["guardian_user", "-last_message_at"]),
        ]


class Message(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_school = models.BooleanField(default=False)
    body = models.TextField(_("message"), max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)  # by the other side

    class Meta:
        ordering = ["created_at", "pk"]


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="messages/%Y/%m/")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()


class Announcement(models.Model):
    """A notice on a school's board, for the whole school, a level or a class."""

    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey(
        "schools.Level", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    school_class = models.ForeignKey(
        "enrollment.SchoolClass",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=5000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["school", "-published_at"])]
