"""The grade grid's pages and services: entry by the class's teacher, refusals for everyone
else, validation and corrections, deadlines, conflicts, history, constant query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from massar.assessment.grades import GradeError, LineInput, grades_write
from massar.assessment.grid_selectors import book_get
from massar.assessment.grid_services import RowInput, deadline_set, grid_save
from massar.assessment.models import GradeBook, GradeDeadline, MarkChange, MarkLine
from massar.core.models import AuditEntry, RoleAssignment, User
from massar.core.scopes import scope_for
from massar.demo.builder import DEMO_YEAR
from massar.enrollment.models import Enrollment, SchoolClass, TeachingAssignment
from massar.schools.models import Semester

pytestmark = pytest.mark.django_db


class Book:
    """The demo teacher's first class × subject, semester 1, and its students in grid order."""

    def __init__(self, personas):
        self.p = personas
        a = (
            TeachingAssignment.objects.filter(teacher__user=personas["teacher"])
            .select_related("school_class", "subject")
            .order_by("pk")
            .first()
        )
        self.school_class, self.subject = a.school_class, a.subject
        self.semester = Semester.objects.get(year=a.school_class.year, number=1)
        self.students = self.enrolled()
        self.url = reverse("assessment:grid", kwargs=self.kwargs)

    @property
    def kwargs(self):
        return {
            "class_id": self.school_class.pk,
            "subject_id": self.subject.pk,
            "semester": self.semester.number,
        }

    def enrolled(self):
        return list(
            Enrollment.objects.filter(school_class=self.school_class, status="ENROLLED")
            .order_by("student__last_name_fr", "student__first_name_fr", "student_id")
            .values_list("student_id", flat=True)
        )

    def reverse(self, name, **extra):
        return reverse(f"assessment:{name}", kwargs={**self.kwargs, **extra})

    def line(self, student_id):
        return MarkLine.objects.filter(
            school_class=self.school_class,
            subject=self.subject,
            semester=self.semester,
            student_id=student_id,
        ).first()

    def form(self, values: dict, versions=None, absent=(), remarks=None) -> dict:
        """A posted grid: `values` {student_id: {"1": "12,5", ...}}."""
        data = {"row": [str(s) for s in values]}
        for sid, cells in values.items():
            data[f"v{sid}"] = str((versions or {}).get(sid, 0))
            for key, text in cells.items():
                data[f"m{sid}_{key}"] = text
        for sid, key in absent:
            data[f"a{sid}_{key}"] = "1"
        for sid, text in (remarks or {}).items():
            data[f"r{sid}"] = text
        return data

    def write(self, user, lines, **kw):
        return grades_write(
            scope=scope_for(user),
            actor=user,
            school_class=self.school_class,
            subject=self.subject,
            semester=self.semester,
            lines=lines,
            source=kw.pop("source", "grid"),
            **kw,
        )


@pytest.fixture
def book(personas):
    return Book(personas)


def _marks_count(book):
    return MarkChange.objects.filter(school_class=book.school_class, subject=book.subject).count()


# --- the teacher enters marks -----------------------------------------------------------------
def test_teacher_sees_the_grid_of_their_class(client, book):
    client.force_login(book.p["teacher"])
    response = client.get(book.url)
    assert response.status_code == 200
    html = response.content.decode()
    first = Enrollment.objects.select_related("student").get(
        school_class=book.school_class, student_id=book.students[0]
    )
    assert first.student.code_massar in html
    assert first.student.last_name_ar in html  # the other script, under the name
    assert f'name="m{book.students[0]}_1"' in html
    assert f'name="a{book.students[0]}_1"' in html  # the absent box
    assert "Integrated activities" in html
    assert "assessment/grid.js" in html


def test_teacher_saves_the_whole_grid_in_one_post(client, book):
    s0, s1, s2 = book.students[:3]
    client.force_login(book.p["teacher"])
    response = client.post(
        book.url,
        book.form(
            {s0: {"1": "12,5", "2": "14", "activities": "16.25"}, s1: {"1": ""}, s2: {"1": ""}},
            absent=[(s1, "1")],
            remarks={s2: "Bon travail"},
        ),
    )
    assert response.status_code == 302
    line = book.line(s0)
    assert (line.score1, line.score2, line.activities, line.version) == (
        Decimal("12.50"),
        Decimal("14.00"),
        Decimal("16.25"),
        1,
    )
    assert book.line(s1).absent1 is True
    assert book.line(s2).remark == "Bon travail"
    change = MarkChange.objects.get(line=line, test=1)
    assert (change.old_value, change.new_value, change.source) == ("", "12.50", "grid")
    assert change.actor == book.p["teacher"]
    # the page now shows the stored values and the new versions
    html = client.get(book.url).content.decode()
    assert 'value="12.50"' in html
    assert f'name="v{s0}" value="1"' in html


def test_bad_marks_are_named_per_cell_and_nothing_is_saved(client, book):
    s0, s1 = book.students[:2]
    client.force_login(book.p["teacher"])
    response = client.post(
        book.url, book.form({s0: {"1": "21", "2": "15"}, s1: {"1": "12.345", "3": "abc"}})
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "21 is above 20" in html
    assert "12.345 has more than two decimals" in html
    assert "“abc” is not a mark" in html
    assert 'value="21"' in html and 'value="15"' in html  # the typed values are kept
    assert book.line(s0) is None and book.line(s1) is None


def test_stale_version_is_a_conflict_that_keeps_typed_values_and_changes_nothing(client, book):
    s0 = book.students[0]
    book.write(book.p["director"], [LineInput(student_id=s0, scores={1: Decimal("9")})])
    client.force_login(book.p["teacher"])
    response = client.post(book.url, book.form({s0: {"1": "17"}}, versions={s0: 0}))
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else" in html
    assert 'value="17"' in html  # what the teacher typed is still on the page
    assert 'data-typed="1"' in html
    assert 'data-testid="row-stored"' in html and "Test 1: 9.00" in html  # what is saved now
    line = book.line(s0)
    assert (line.score1, line.version) == (Decimal("9.00"), 1)


def test_rows_without_version_are_refused_when_stored_differs_only_by_version(book):
    """A row read at version 1 and saved at version 1 goes through; the history records it."""
    s0 = book.students[0]
    teacher = book.p["teacher"]
    book.write(teacher, [LineInput(student_id=s0, scores={1: Decimal("9")}, version=0)])
    grid = book_get(scope_for(teacher), **_book_args(book))
    summary = grid_save(
        scope=scope_for(teacher),
        actor=teacher,
        grid=grid,
        rows=[RowInput(student_id=s0, scores={"1": "10"}, version=1)],
        source="grid",
    )
    assert summary.versions == {s0: 2}
    assert list(
        MarkChange.objects.filter(student_id=s0, subject=book.subject)
        .order_by("pk")
        .values_list("old_value", "new_value")
    ) == [("", "9.00"), ("9.00", "10.00")]


def _book_args(book):
    return {
        "class_id": book.school_class.pk,
        "subject_id": book.subject.pk,
        "semester_number": book.semester.number,
    }


# --- who may not -----------------------------------------------------------------------------
def test_a_class_the_teacher_does_not_teach_is_not_found(client, book):
    other = (
        TeachingAssignment.objects.filter(school=book.school_class.school)
        .exclude(teacher__user=book.p["teacher"])
        .exclude(school_class__teaching_assignments__teacher__user=book.p["teacher"])
        .first()
    )
    url = reverse(
        "assessment:grid",
        kwargs={"class_id": other.school_class_id, "subject_id": other.subject_id, "semester": 1},
    )
    client.force_login(book.p["teacher"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"row": []}).status_code == 404


def other_teacher(book):
    """A second teacher of the same collège, with an account, who teaches another class."""
    other = (
        TeachingAssignment.objects.filter(school=book.school_class.school)
        .exclude(teacher__user=book.p["teacher"])
        .exclude(school_class=book.school_class)
        .select_related("teacher")
        .first()
    )
    member = other.teacher
    if member.user is None:
        member.user = User.objects.create_user(username=f"t{member.pk}@taalim.ma")
        member.save(update_fields=["user"])
    RoleAssignment.objects.get_or_create(
        user=member.user, role="TEACHER", school=book.school_class.school
    )
    return member.user


def test_another_teacher_cannot_write_this_grid(client, book):
    s0 = book.students[0]
    client.force_login(other_teacher(book))
    response = client.post(book.url, book.form({s0: {"1": "3"}}))
    assert response.status_code == 404
    assert client.get(book.url).status_code == 404
    assert book.line(s0) is None


@pytest.mark.parametrize(("role", "status"), [("staff", 403), ("student", 403), ("guardian", 403)])
def test_staff_student_and_guardian_cannot_write(client, book, role, status):
    s0 = book.students[0]
    client.force_login(book.p[role])
    response = client.post(book.url, book.form({s0: {"1": "3"}}))
    assert response.status_code == status
    assert book.line(s0) is None


def test_staff_reads_the_grid_without_inputs_open(client, book):
    client.force_login(book.p["staff"])
    response = client.get(book.url)
    assert response.status_code == 200
    assert 'data-grid="closed"' in response.content.decode()


def test_another_schools_director_gets_not_found(client, book):
    client.force_login(book.p["other_director"])
    assert client.get(book.url).status_code == 404


def test_teacher_cannot_write_a_student_of_another_class(client, book):
    stranger = book.p["other_school_student"].pk
    client.force_login(book.p["teacher"])
    response = client.post(book.url, book.form({stranger: {"1": "10"}}))
    assert response.status_code == 400
    assert "not in this class" in response.content.decode()
    assert not MarkLine.objects.filter(student_id=stranger).exists()


# --- validation, lock and corrections --------------------------------------------------------
def test_director_validates_then_teacher_is_locked_out(client, book):
    s0 = book.students[0]
    book.write(book.p["teacher"], [LineInput(student_id=s0, scores={1: Decimal("11")})])
    client.force_login(book.p["director"])
    assert client.post(book.reverse("grid_validate")).status_code == 302
    gb = GradeBook.objects.get(school_class=book.school_class, subject=book.subject)
    assert gb.validated_at is not None and gb.validated_by == book.p["director"]
    assert AuditEntry.objects.filter(action="grades.validate", object_id=str(gb.pk)).exists()

    client.force_login(book.p["teacher"])
    html = client.get(book.url).content.decode()
    assert 'data-grid="closed"' in html and "locked" in html
    response = client.post(book.url, book.form({s0: {"1": "19"}}, versions={s0: 1}))
    assert response.status_code == 409
    assert book.line(s0).score1 == Decimal("11.00")


def test_teacher_cannot_validate(client, book):
    client.force_login(book.p["teacher"])
    assert client.post(book.reverse("grid_validate")).status_code == 403
    assert not GradeBook.objects.filter(
        school_class=book.school_class, validated_at__isnull=False
    ).exists()


def test_correction_needs_a_reason_and_is_recorded_as_such(client, book):
    s0 = book.students[0]
    director = book.p["director"]
    book.write(director, [LineInput(student_id=s0, scores={1: Decimal("11")})])
    client.force_login(director)
    client.post(book.reverse("grid_validate"))
    html = client.get(book.url).content.decode()
    assert "grid_correct" not in html and "/correct/" in html  # the form posts a correction
    assert 'name="reason"' in html

    response = client.post(book.reverse("grid_correct"), book.form({s0: {"1": "13"}}, {s0: 1}))
    assert response.status_code == 400
    assert "needs a reason" in response.content.decode()
    assert book.line(s0).score1 == Decimal("11.00")

    data = {**book.form({s0: {"1": "13"}}, {s0: 1}), "reason": "Erreur de saisie"}
    assert client.post(book.reverse("grid_correct"), data).status_code == 302
    assert book.line(s0).score1 == Decimal("13.00")
    change = MarkChange.objects.filter(student_id=s0, subject=book.subject).order_by("-pk")[0]
    assert (change.old_value, change.new_value, change.source, change.reason) == (
        "11.00",
        "13.00",
        "correction",
        "Erreur de saisie",
    )


def test_teacher_cannot_post_a_correction(client, book):
    s0 = book.students[0]
    client.force_login(book.p["teacher"])
    data = {**book.form({s0: {"1": "13"}}), "reason": "x"}
    assert client.post(book.reverse("grid_correct"), data).status_code == 403
    assert book.line(s0) is None


# --- deadlines ---------------------------------------------------------------------------------
def test_past_deadline_closes_the_grid_for_the_teacher_not_the_director(client, book):
    s0 = book.students[0]
    GradeDeadline.objects.create(
        semester=book.semester, closes_on=timezone.localdate() - timedelta(days=1)
    )
    client.force_login(book.p["teacher"])
    html = client.get(book.url).content.decode()
    assert 'data-grid="closed"' in html and "Grade entry closed on" in html
    response = client.post(book.url, book.form({s0: {"1": "12"}}))
    assert response.status_code == 409
    assert book.line(s0) is None
    client.force_login(book.p["director"])
    assert client.post(book.url, book.form({s0: {"1": "12"}})).status_code == 302
    assert book.line(s0).score1 == Decimal("12.00")


def test_school_deadline_replaces_the_national_one(client, book):
    today = timezone.localdate()
    school = book.school_class.school
    deadline_set(
        scope=scope_for(book.p["ministry"]),
        actor=book.p["ministry"],
        semester=book.semester,
        closes_on=today - timedelta(days=3),
    )
    deadline_set(
        scope=scope_for(book.p["director"]),
        actor=book.p["director"],
        semester=book.semester,
        school=school,
        closes_on=today + timedelta(days=3),
    )
    client.force_login(book.p["teacher"])
    html = client.get(book.url).content.decode()
    assert 'data-grid="open"' in html
    assert AuditEntry.objects.filter(action="grades.deadline").count() == 2


def test_only_the_ministry_sets_the_national_deadline(book):
    with pytest.raises(GradeError) as refused:
        deadline_set(
            scope=scope_for(book.p["director"]),
            actor=book.p["director"],
            semester=book.semester,
            closes_on=timezone.localdate(),
        )
    assert refused.value.status == 403
    with pytest.raises(GradeError):
        deadline_set(
            scope=scope_for(book.p["other_director"]),
            actor=book.p["other_director"],
            semester=book.semester,
            school=book.school_class.school,
            closes_on=timezone.localdate(),
        )
    assert not GradeDeadline.objects.exists()


def test_deadline_page_sets_and_clears_dates(client, book):
    client.force_login(book.p["ministry"])
    url = reverse("assessment:grid_deadlines")
    assert client.get(url).status_code == 200
    s1_end = DEMO_YEAR.s1_ends_on
    national, school_day, late = ((s1_end + timedelta(days=d)).isoformat() for d in (0, 5, 29))
    client.post(url, {"semester": "1", "level": "national", "closes_on": national})
    assert GradeDeadline.objects.get(school__isnull=True).closes_on.isoformat() == national
    client.force_login(book.p["director"])
    school = book.school_class.school
    client.post(
        url, {"semester": "1", "level": "school", "school": school.pk, "closes_on": school_day}
    )
    assert GradeDeadline.objects.get(school=school).closes_on.isoformat() == school_day
    # the director cannot touch the national date
    client.post(url, {"semester": "1", "level": "national", "closes_on": late})
    assert GradeDeadline.objects.get(school__isnull=True).closes_on.isoformat() == national
    client.post(url, {"semester": "1", "level": "school", "school": school.pk, "closes_on": ""})
    assert not GradeDeadline.objects.filter(school=school).exists()
    client.force_login(book.p["teacher"])
    assert client.get(url).status_code == 403


# --- history ----------------------------------------------------------------------------------
def test_history_per_class_and_per_mark_show_old_and_new(client, book):
    s0 = book.students[0]
    teacher = book.p["teacher"]
    book.write(teacher, [LineInput(student_id=s0, scores={1: Decimal("8")})])
    book.write(teacher, [LineInput(student_id=s0, scores={1: Decimal("9.5")}, version=1)])
    book.write(teacher, [LineInput(student_id=s0, scores={2: Decimal("15")}, version=2)])
    client.force_login(teacher)
    response = client.get(book.reverse("grid_history"))
    shown = [(r["change"].old_value, r["change"].new_value) for r in response.context["changes"]]
    assert shown == [("", "15.00"), ("8.00", "9.50"), ("", "8.00")]  # newest first
    assert "9.50" in response.content.decode()
    mark = client.get(book.reverse("grid_mark_history", student_id=s0, test=1))
    assert mark.status_code == 200
    html = mark.content.decode()
    assert "8.00" in html and "9.50" in html and "15.00" not in html
    # staff of the school and the directorate read it; another school's director does not
    for role, status in [("staff", 200), ("directorate", 200), ("other_director", 404)]:
        client.force_login(book.p[role])
        assert client.get(book.reverse("grid_history")).status_code == status


def test_mark_history_of_a_student_outside_the_class_is_not_found(client, book):
    client.force_login(book.p["teacher"])
    url = book.reverse("grid_mark_history", student_id=book.p["other_school_student"].pk, test=1)
    assert client.get(url).status_code == 404


# --- the list of grade books ------------------------------------------------------------------
def test_teacher_lists_their_grade_books_with_their_state(client, book):
    s0 = book.students[0]
    book.write(
        book.p["teacher"], [LineInput(student_id=s0, scores={1: Decimal("10"), 2: Decimal("12")})]
    )
    client.force_login(book.p["teacher"])
    response = client.get(reverse("assessment:grade_books"), {"semester": 1})
    assert response.status_code == 200
    states = response.context["states"]
    mine = TeachingAssignment.objects.filter(teacher__user=book.p["teacher"]).count()
    assert len(states) == min(mine, 50)
    state = next(
        s
        for s in states
        if s.school_class.pk == book.school_class.pk and s.subject.pk == book.subject.pk
    )
    assert state.entered == 2
    assert state.total == len(book.students) * 5  # four tests and the activities
    assert state.validated_at is None


def test_director_lists_the_schools_books_filtered_by_class(client, book):
    client.force_login(book.p["director"])
    response = client.get(
        reverse("assessment:grade_books"), {"class": book.school_class.pk, "semester": 2}
    )
    assert response.status_code == 200
    states = response.context["states"]
    assert states and {s.school_class.pk for s in states} == {book.school_class.pk}
    assert {s.semester.number for s in states} == {2}


def test_oversight_chooses_a_school_then_reads_its_books(client, book):
    client.force_login(book.p["directorate"])
    chooser = client.get(reverse("assessment:grade_books"))
    assert chooser.status_code == 200
    assert book.school_class.school.code in chooser.content.decode()
    school = book.school_class.school
    books = client.get(reverse("assessment:grade_books"), {"school": school.pk})
    assert books.status_code == 200 and books.context["states"]
    other = book.p["other_director"].role_assignments.get().school
    assert client.get(reverse("assessment:grade_books"), {"school": other.pk}).status_code in (
        200,
        404,
    )


def test_grade_book_list_query_count_is_constant(client, book, django_assert_max_num_queries):
    client.force_login(book.p["director"])
    with django_assert_max_num_queries(18):
        assert client.get(reverse("assessment:grade_books")).status_code == 200


# --- constant query counts with a 45-student class ---------------------------------------------
def grow(book, size: int = 45):
    """The teacher's class grown to `size` students (others of the school moved in)."""
    need = size - len(book.students)
    if need > 0:
        movers = list(
            Enrollment.objects.filter(
                school=book.school_class.school,
                year=book.school_class.year,
                status="ENROLLED",
            )
            .exclude(school_class=book.school_class)
            .order_by("pk")
            .values_list("pk", flat=True)[:need]
        )
        Enrollment.objects.filter(pk__in=movers).update(school_class=book.school_class)
    book.students = book.enrolled()
    assert len(book.students) >= size
    return book


@pytest.fixture
def big_book(book):
    return grow(book)


def test_grid_get_and_save_run_a_constant_number_of_queries(
    client, big_book, django_assert_max_num_queries
):
    book = big_book
    client.force_login(book.p["teacher"])
    client.get(book.url)  # session and caches warmed
    with django_assert_max_num_queries(18):
        assert client.get(book.url).status_code == 200
    values = {
        sid: {"1": f"{i % 20}.5", "2": "12", "3": "", "4": "", "activities": "15"}
        for i, sid in enumerate(book.students)
    }
    with django_assert_max_num_queries(30):
        assert client.post(book.url, book.form(values)).status_code == 302
    assert MarkLine.objects.filter(school_class=book.school_class).count() == len(book.students)
    # a second save of every row (all updated) costs the same
    versions = {sid: 1 for sid in book.students}
    values = {sid: {"1": "10", "2": "11"} for sid in book.students}
    with django_assert_max_num_queries(30):
        assert client.post(book.url, book.form(values, versions)).status_code == 302
    with django_assert_max_num_queries(18):
        assert client.get(book.url).status_code == 200


def test_classes_of_the_grid_are_of_the_current_year(book):
    assert SchoolClass.objects.filter(pk=book.school_class.pk, year__is_current=True).exists()


def test_director_filters_the_schools_books_by_level(client, book):
    level = book.school_class.level.code
    client.force_login(book.p["director"])
    response = client.get(reverse("assessment:grade_books"), {"level": level})
    assert response.status_code == 200
    states = response.context["states"]
    assert states and {s.school_class.level.code for s in states} == {level}
    page2 = client.get(reverse("assessment:grade_books"), {"page": 2})
    assert page2.status_code == 200  # past the last page: the last page


@pytest.mark.parametrize("role", ["ministry", "academy", "directorate"])
def test_oversight_reads_a_grid_without_any_way_to_change_it(client, book, role):
    client.force_login(book.p[role])
    html = client.get(book.url).content.decode()
    assert 'data-grid="closed"' in html
    assert 'data-testid="grid-save"' not in html and 'data-testid="grid-validate"' not in html
    assert client.post(book.reverse("grid_validate")).status_code == 403
