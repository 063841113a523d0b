"""Checks of names and phone numbers shared by forms and imports."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Moroccan numbers: 05… fixed lines, 06/07 mobiles; +212 or 00212 for the leading 0.
PHONE = re.compile(r"^(?:\+212|00212|0)([5-7]\d{8})$")
ARABIC = re.compile(r"^[\u0600-\u06ff\s'\-]+$")
LATIN = re.compile(r"^[A-Za-zÀ-ÿ\s'\-\.]+$")


def _script(regex, message):
    def check(value):
        if value and not regex.match(value):
            raise ValidationError(message)

    return check


latin = _script(LATIN, _("Write this name in Latin letters."))
arabic = _script(ARABIC, _("Write this name in Arabic letters."))
