from django.db import models


class ResultSnapshot(models.Model):
    """A published student's results of a year as the spaces show them, written by the
    publication (set-based) and read on results day through the cache. Rebuilt whole, so a
    re-run of the results job never shows a half-computed state."""

    student = models.ForeignKey("registry.Student", on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="+")
    payload = models.JSONField()
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["student", "year"], name="one_result_snapshot")
        ]
