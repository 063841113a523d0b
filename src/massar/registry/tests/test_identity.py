"""Identity keys, duplicate scoring and the registry-wide duplicate report."""

import io
from datetime import date

import pytest
from django.core.management import call_command

from massar.registry.identity import (
    LIKELY_DUPLICATE,
    arabic_key,
    latin_key,
    latin_skeleton,
    match_score,
)
from massar.registry.models import Student
from massar.registry.services import code_massar_allocate, identity_keys


@pytest.mark.parametrize(
    "a,b",
    [
        ("Mohamed", "Mohammed"),
        ("El Idrissi", "Al-Idrissi"),
        ("El Idrissi", "Idrissi"),
        ("Ouazzani", "Wazzani"),
        ("Youssef", "Yousef"),
        ("Fatima Zahra", "Fatimazahra"),
        ("Chraibi", "Shraibi"),
        ("Khadija", "Khadija"),
    ],
)
def test_latin_variants_share_a_key(a, b):
    assert latin_key(a) == latin_key(b)


def test_muhammad_and_mohamed_share_a_skeleton():
    assert latin_skeleton("Muhammad") == latin_skeleton("Mohamed") == "mhmd"


@pytest.mark.parametrize(
    "a,b",
    [
        ("فاطمة", "فاطمه"),
        ("أحمد", "احمد"),
        ("إيمان", "ايمان"),
        ("الإدريسي", "الادريسي"),
        ("مُحَمَّد", "محمد"),
        ("مصطفى", "مصطفي"),
        ("آية", "اية"),
    ],
)
def test_arabic_letter_variants_share_a_key(a, b):
    assert arabic_key(a) == arabic_key(b)


def person(last, first, last_ar="", first_ar="", sex="M"):
    return {
        "last_name_fr": last,
        "first_name_fr": first,
        "last_name_ar": last_ar,
        "first_name_ar": first_ar,
        "sex": sex,
    }


def test_spelling_variants_of_one_child_score_as_likely_duplicates():
    a = person("El Idrissi", "Mohamed", "الإدريسي", "محمد")
    b = person("Al Idrissi", "Muhammad", "الادريسي", "مُحمد")
    assert match_score(a, b) >= LIKELY_DUPLICATE


def test_arabic_names_alone_can_reveal_a_duplicate():
    a = person("Benali", "Houda", "بنعلي", "هدى", "F")
    b = person("Ben Aly", "Hoda", "بن علي", "هدى", "F")
    assert match_score(a, b) >= LIKELY_DUPLICATE


def test_twins_and_strangers_are_not_duplicates():
    assert match_score(person("Alaoui", "Amine"), person("Alaoui", "Anas")) < LIKELY_DUPLICATE
    assert match_score(person("Tazi", "Salma", sex="F"), person("Bennani", "Aya", sex="F")) < 50
    assert (
        match_score(person("Alaoui", "Nour", sex="F"), person("Alaoui", "Nour", sex="M"))
        < LIKELY_DUPLICATE
    )


@pytest.mark.django_db
def test_find_duplicates_reports_variants_and_not_twins(personas):
    born = date(2011, 6, 6)
    rows = [
        person("El Amrani", "Youssef", "العمراني", "يوسف"),
        person("Amrani", "Yousef", "العمراني", "يوسف"),
        person("El Amrani", "Yassine", "العمراني", "ياسين"),
    ]  # his twin brother
    codes = code_massar_allocate(letter="D", count=3)
    Student.objects.bulk_create(
        [
            Student(code_massar=c, birth_date=born, **r, **identity_keys(r))
            for c, r in zip(codes, rows, strict=True)
        ]
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("registry", "find-duplicates", stdout=out, stderr=err)
    lines = out.getvalue().strip().splitlines()[1:]
    pairs = [set(line.split(",")[1:3]) for line in lines]
    assert {codes[0], codes[1]} in pairs
    assert not any(codes[2] in p for p in pairs)
    assert "likely duplicate pairs" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_codes_are_never_handed_out_twice_under_concurrency():
    import threading

    from django.db import close_old_connections

    results, barrier = [], threading.Barrier(4)

    def allocate():
        try:
            barrier.wait()
            results.extend(code_massar_allocate(letter="K", count=50))
        finally:
            close_old_connections()

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 200 == len(set(results))
    assert all(len(c) == 10 and c[0] == "K" and c[1:].isdigit() for c in results)
