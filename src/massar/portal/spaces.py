"""The spaces' spaces part: navigation entries registered at import."""

from django.utils.translation import gettext_lazy as _

from massar.core.navigation import nav_entry

nav_entry("portal:space_home", _("My space"), ["STUDENT", "GUARDIAN"], 12)
nav_entry("portal:space_marks", _("Marks and results"), ["STUDENT", "GUARDIAN"], 13)
nav_entry("portal:teacher_space", _("My teaching"), ["TEACHER"], 12)
nav_entry("portal:activation_classes", _("Guardian codes"), ["DIRECTOR"], 36)
nav_entry("portal:guardian_activation", _("Link a child"), ["GUARDIAN"], 91)
