"""Identity keys and duplicate scoring.

Names reach the registry spelled many ways: Mohamed / Mohammed / Muhammad, El Idrissi /
Al-Idrissi / Idrissi, Ouazzani / Wazzani, Youssef / Yousef / Youssouf; in Arabic, hamza forms
(أ إ آ ا), ta marbuta (ة/ه), alif maqsura (ى/ي) and optional diacritics. Each name is reduced to
a key that erases those differences; two students with the same birth date whose keys are
close are likely the same child.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

# Latin transliteration of Arabic names: rewrite rules applied in order, on lowercase ASCII.
_LATIN_RULES = [
    # articles and particles only as separate words ("Ali", "Elias", "Alami" keep their
    # letters): El Idrissi = Al-Idrissi = Idrissi, Ben Ali = Benali, Aït Ali = Aitali
    (r"\b(el|al|ell|all)[ -]", ""),
    (r"\b(ben|bin|ibn|bn)[ -]", "ben"),
    (r"\b(ait|aith)[ -]", "ait"),
    (r"\b(abd|abdel|abdal|abdul|abdoul)[ -]?", "abd"),
    (r"ou", "u"),  # Ouazzani / Wazzani / Uazzani
    (r"w", "u"),
    (r"ph", "f"),
    (r"(ch|sh)", "c"),
    (r"(kh|gh)", "k"),
    (r"q", "k"),
    (r"dh", "d"),
    (r"th", "t"),
    (r"[ey]", "i"),  # Youssef / Yousif, Mohamed / Mohamid
    (r"o", "u"),  # Mohamed / Muhamed
    (r"z", "s"),
    (r"(.)\1+", r"\1"),  # doubled letters: Mohammed = Mohamed, Youssef = Yousef
    (r"h\b", ""),  # final h: Fatimah / Fatima
    (r"[^a-z]", ""),
]

_AR_DIACRITICS = re.compile(r"[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_AR_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ئ": "ي",
        "ء": "",
        "ة": "ه",
        "ى": "ي",
        "گ": "ك",
        "ڭ": "ك",
        "ڤ": "ف",
        "پ": "ب",
    }
)


@lru_cache(maxsize=200_000)  # names repeat: bulk imports compute each once
def latin_key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\s+", " ", text).strip()
    for pattern, repl in _LATIN_RULES:
        text = re.sub(pattern, repl, text)
    return text


@lru_cache(maxsize=200_000)  # names repeat: bulk imports compute each once
def latin_skeleton(name: str) -> str:
    """The key without inner vowels (Arabic script writes short vowels rarely, and Latin
    spellings disagree mostly on them): Mohamed, Muhammad and Mohammed all give "mhmd"."""
    key = latin_key(name)
    return key[:1] + re.sub(r"[aiu]", "", key[1:])


@lru_cache(maxsize=200_000)  # names repeat: bulk imports compute each once
def arabic_key(name: str) -> str:
    text = _AR_DIACRITICS.sub("", unicodedata.normalize("NFC", name or ""))
    text = text.translate(_AR_MAP)
    text = re.sub(r"^ال|(?<=\s)ال", "", text)  # the article, as in Latin
    return re.sub(r"[^\u0621-\u064a]", "", text)


@lru_cache(maxsize=200_000)  # names repeat: bulk imports compute each once
def search_key(text: str) -> str:
    """Lowercase, accent-free Latin text for prefix search ("el idrissi" stays readable)."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9 ]+", " ", re.sub(r"\s+", " ", text)).strip()


@lru_cache(maxsize=200_000)  # names repeat: bulk imports compute each once
def search_key_ar(text: str) -> str:
    text = _AR_DIACRITICS.sub("", unicodedata.normalize("NFC", text or "")).translate(_AR_MAP)
    return re.sub(r"\s+", " ", text).strip()


def _similarity(a: str, b: str) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return SequenceMatcher(None, a, b).ratio()


def _latin_similarity(a: str, b: str) -> float:
    return max(
        _similarity(latin_key(a), latin_key(b)),
        _similarity(latin_skeleton(a), latin_skeleton(b)) * 0.97,
    )


def match_score(a: dict, b: dict) -> int:
    """0–100: how likely two identities with the same birth date are one child. Each dict has
    last_name_fr, first_name_fr, last_name_ar, first_name_ar, sex; the better of the Latin and
    the Arabic comparison counts, and a different sex costs heavily. The first name weighs
    more than the family name, so twins (same family name and birth date) stay apart."""
    latin = (
        _latin_similarity(a["last_name_fr"], b["last_name_fr"]) * 0.4
        + _latin_similarity(a["first_name_fr"], b["first_name_fr"]) * 0.6
    )
    arabic = (
        _similarity(arabic_key(a.get("last_name_ar", "")), arabic_key(b.get("last_name_ar", "")))
        * 0.4
        + _similarity(
            arabic_key(a.get("first_name_ar", "")), arabic_key(b.get("first_name_ar", ""))
        )
        * 0.6
    )
    score = max(latin, arabic)
    if a.get("sex") and b.get("sex") and a["sex"] != b["sex"]:
        score *= 0.6
    return round(score * 100)


LIKELY_DUPLICATE = 85  # score from which a registration must be reviewed
