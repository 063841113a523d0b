"""The grading policy: how marks become averages, decisions and certification marks, per
school year and level (and track where it matters). Defaults live in data/policy.json; a row
here is the ministry's edit for one year."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


def _weight(label, default="0"):
    return models.DecimalField(label, max_digits=4, decimal_places=2, default=Decimal(default))


class GradingPolicy(models.Model):
    year = models.ForeignKey("schools.SchoolYear", on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey("schools.Level", on_delete=models.PROTECT, related_name="+")
    track = models.ForeignKey(
        "schools.Track", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tests_per_semester = models.PositiveSmallIntegerField(_("tests per semester"), default=4)
    has_activities = models.BooleanField(_("integrated activities mark"), default=True)
    semester1_weight = _weight(_("weight of semester 1"), "1")
    semester2_weight = _weight(_("weight of semester 2"), "1")
    promotion_threshold = _weight(_("promotion threshold"), "10")
    # certification levels (6AP, 3AC, 2BAC): weights of the general mark
    continuous_weight = _weight(_("weight of continuous assessment"))
    local_weight = _weight(_("weight of the local exam"))
    provincial_weight = _weight(_("weight of the provincial exam"))
    regional_weight = _weight(_("weight of the regional exam"))
    national_weight = _weight(_("weight of the national exam"))
    free_regional_weight = _weight(_("weight of the regional exam (free candidates)"))
    free_national_weight = _weight(_("weight of the national exam (free candidates)"))
    pass_mark = _weight(_("pass mark"), "10")
    rattrapage_enabled = models.BooleanField(_("rattrapage session"), default=False)
    rattrapage_floor = _weight(_("lowest general mark admitted to rattrapage"), "9")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("grading policy")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "level", "track"], name="one_policy_per_level_track"
            ),
            models.UniqueConstraint(
                fields=["year", "level"],
                condition=models.Q(track__isnull=True),
                name="one_policy_per_level",
            ),
        ]

    @property
    def is_certification(self) -> bool:
        return self.continuous_weight > 0
