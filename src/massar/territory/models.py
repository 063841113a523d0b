"""Morocco's territory as the ministry administers schools: 12 regional academies (AREF, one
per region, law 07-00) and the provincial directorates under them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from massar.core.i18n import BilingualName


class Academy(BilingualName, models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=150)
    name_ar = models.CharField(_("name (Arabic)"), max_length=150)
    region_fr = models.CharField(_("region (French)"), max_length=150)
    region_ar = models.CharField(_("region (Arabic)"), max_length=150)

    class Meta:
        ordering = ["code"]
        verbose_name = _("academy")
        verbose_name_plural = _("academies")


class Directorate(BilingualName, models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=150)
    name_ar = models.CharField(_("name (Arabic)"), max_length=150)
    academy = models.ForeignKey(Academy, on_delete=models.PROTECT, related_name="directorates")

    class Meta:
        ordering = ["code"]
        verbose_name = _("provincial directorate")
        verbose_name_plural = _("provincial directorates")
