"""Scopes and the registry selectors that filter by them, on the demo setting."""

import pytest

from massar.core.scopes import scope_for
from massar.registry.selectors import student_list
from massar.schools.selectors import school_list

pytestmark = pytest.mark.django_db


def visible(user, student) -> bool:
    return student_list(scope_for(user)).filter(pk=student.pk).exists()


def test_teacher_sees_students_of_their_classes_only(personas):
    teacher = personas["teacher"]
    assert visible(teacher, personas["taught_student"])
    assert not visible(teacher, personas["untaught_student"])
    assert not visible(teacher, personas["other_school_student"])


def test_guardian_sees_only_their_own_children(personas):
    guardian = personas["guardian"]
    children = set(student_list(scope_for(guardian)).values_list("pk", flat=True))
    assert personas["child"].pk in children
    assert len(children) >= 2  # the demo father has children in two schools
    assert personas["other_family_student"].pk not in children


def test_student_sees_only_themself(personas):
    rows = list(student_list(scope_for(personas["student"])))
    assert rows == [personas["own_student"]]


def test_director_sees_their_school_and_not_another(personas):
    director = personas["director"]
    assert visible(director, personas["untaught_student"])
    assert not visible(director, personas["other_school_student"])
    assert [s.code for s in school_list(scope_for(director))] == ["04012B"]


def test_directorate_sees_its_province_only(personas):
    codes = {s.code for s in school_list(scope_for(personas["directorate"]))}
    assert codes == {"04011A", "04012B"}
    assert not visible(personas["directorate"], personas["other_school_student"])


def test_academy_sees_its_region(personas):
    codes = {s.code for s in school_list(scope_for(personas["academy"]))}
    assert codes == {"04011A", "04012B", "04021C", "04022D"}
    assert visible(personas["academy"], personas["other_school_student"])


def test_ministry_sees_the_nation(personas):
    scope = scope_for(personas["ministry"])
    assert scope.nation
    assert student_list(scope).count() == student_list(scope_for(personas["academy"])).count()


def test_anonymous_sees_nothing(db):
    from massar.core.scopes import ANONYMOUS

    assert not student_list(ANONYMOUS).exists()
    assert not school_list(ANONYMOUS).exists()


def test_scope_is_built_in_one_query(personas, django_assert_num_queries):
    user = personas["director"]
    user._massar_scope = None
    with django_assert_num_queries(1):
        scope_for(user)
        scope_for(user)
