"""Helpers for reference data that carries a name in Arabic and in French."""

from django.utils.translation import get_language


def pick(obj, field: str = "name") -> str:
    """The Arabic or French value of `field`, by the active language (French by default)."""
    lang = (get_language() or "fr")[:2]
    value = getattr(obj, f"{field}_ar" if lang == "ar" else f"{field}_fr", "")
    return value or getattr(obj, f"{field}_fr", "") or getattr(obj, f"{field}_ar", "")


class BilingualName:
    """Mixin for models with name_ar / name_fr."""

    @property
    def name(self) -> str:
        return pick(self)

    def __str__(self) -> str:
        return self.name
