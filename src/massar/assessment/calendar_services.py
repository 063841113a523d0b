"""Writes of the test calendar: plan, move and cancel a test (contrôle).

Who plans: the teacher assigned to the class and subject, and the school's director
(grades.book_role "teacher" or "director"); office staff and the territories only read.
Moving or cancelling notifies the class's students and their guardians (core.notifications:
in-app rows in one INSERT, e-mail/SMS copies queued as one job)."""

from __future__ import annotations

from datetime import date as Date  # noqa: N812 - `date` is the field's name here

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from massar.assessment.grades import book_role
from massar.assessment.models import PlannedTest, TestStatus
from massar.core.audit import audit_record
from massar.core.notifications import Recipient, notification_send
from massar.core.scopes import Scope
from massar.enrollment.models import Enrollment, TeachingAssignment
from massar.registry.models import Guardian

MAX_TEST_NUMBER = 4


class CalendarError(Exception):
    """A refused calendar write: a stable code, a translated sentence, an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _check_may_plan(scope: Scope, *, school_class, subject) -> str:
    role = book_role(scope, school_class=school_class, subject=subject)
    if role not in ("teacher", "director"):
        raise CalendarError(
            "forbidden",
            _("You may not plan tests for this class and subject."),
            status=403,
        )
    return role


def _check_date(*, semester, day: Date) -> None:
    if not (semester.starts_on <= day <= semester.ends_on):
        raise CalendarError(
            "outside_semester",
            _("The date %(date)s is outside the semester, which runs from %(start)s to %(end)s.")
            % {
                "date": day.strftime("%d/%m/%Y"),
                "start": semester.starts_on.strftime("%d/%m/%Y"),
                "end": semester.ends_on.strftime("%d/%m/%Y"),
            },
        )
    if day < timezone.localdate():
        raise CalendarError(
            "past_date",
            _("The date %(date)s is in the past; choose today or a later day.")
            % {"date": day.strftime("%d/%m/%Y")},
        )


def bad_semester_message() -> str:
    return _("This semester is not in the class's school year.")


def _duplicate(number: int) -> CalendarError:
    return CalendarError(
        "duplicate",
        _(
            "Test %(number)s of this class, subject and semester is already planned; move "
            "or cancel that one instead."
        )
        % {"number": number},
        status=409,
    )


def _facts(test: PlannedTest) -> dict:
    return {
        "school_class": test.school_class_id,
        "subject": test.subject_id,
        "semester": test.semester_id,
        "number": test.number,
        "date": test.date.isoformat(),
        "status": test.status,
    }


def planned_test_create(
    *, scope: Scope, actor, school_class, subject, semester, number: int, date: Date
) -> PlannedTest:
    """Plans test `number` (1–4) of a class × subject × semester on `date`, a day of that
    semester, today or later."""
    _check_may_plan(scope, school_class=school_class, subject=subject)
    if not 1 <= number <= MAX_TEST_NUMBER:
        raise CalendarError(
            "bad_number",
            _("The test number must be between 1 and %(max)s.") % {"max": MAX_TEST_NUMBER},
        )
    if semester.year_id != school_class.year_id:
        raise CalendarError("bad_semester", bad_semester_message())
    _check_date(semester=semester, day=date)
    teacher_id = (
        TeachingAssignment.objects.filter(school_class=school_class, subject=subject)
        .values_list("teacher_id", flat=True)
        .first()
    )
    fields = {
        "school_id": school_class.school_id,
        "school_class": school_class,
        "subject": subject,
        "semester": semester,
        "number": number,
    }
    try:
        with transaction.atomic():
            if PlannedTest.objects.filter(**fields, status=TestStatus.PLANNED).exists():
                raise _duplicate(number)
            test = PlannedTest.objects.create(**fields, date=date, teacher_id=teacher_id)
            audit_record(
                actor=actor,
                action="planned_test.create",
                object_type="planned_test",
                object_id=test.pk,
                after=_facts(test),
                school_id=test.school_id,
            )
    except IntegrityError as err:  # a concurrent plan of the same number won the race
        raise _duplicate(number) from err
    return test


def _locked(test: PlannedTest) -> PlannedTest:
    """The test's row, locked for the write, with what the checks and messages need."""
    locked = (
        PlannedTest.objects.select_for_update(of=("self",))
        .select_related("school_class", "subject", "semester")
        .get(pk=test.pk)
    )
    if locked.status != TestStatus.PLANNED:
        raise CalendarError("cancelled", _("This test has been cancelled."), status=409)
    if locked.date < timezone.localdate():
        raise CalendarError(
            "taken_place", _("This test has already taken place; it can no longer change."), 409
        )
    return locked


@transaction.atomic
def planned_test_move(*, scope: Scope, actor, test: PlannedTest, date: Date) -> PlannedTest:
    """Moves a planned test to a new day of its semester and notifies the class."""
    _check_may_plan(scope, school_class=test.school_class, subject=test.subject)
    test = _locked(test)
    _check_date(semester=test.semester, day=date)
    if date == test.date:
        return test
    before = _facts(test)
    old_date, test.date = test.date, date
    test.save(update_fields=["date", "updated_at"])
    audit_record(
        actor=actor,
        action="planned_test.move",
        object_type="planned_test",
        object_id=test.pk,
        before=before,
        after=_facts(test),
        school_id=test.school_id,
    )

    def build():
        return (
            _("Test moved: %(subject)s") % {"subject": test.subject.name},
            _(
                "Test %(number)s of %(subject)s for class %(class)s, planned on %(old)s, "
                "now takes place on %(new)s."
            )
            % {
                "number": test.number,
                "subject": test.subject.name,
                "class": test.school_class.name,
                "old": date_format(old_date, "DATE_FORMAT"),
                "new": date_format(date, "DATE_FORMAT"),
            },
        )

    _notify_class(test, kind="test.moved", build=build, actor=actor)
    return test


@transaction.atomic
def planned_test_cancel(*, scope: Scope, actor, test: PlannedTest, reason: str = "") -> PlannedTest:
    """Cancels a planned test (its number may then be planned again) and notifies the
    class."""
    _check_may_plan(scope, school_class=test.school_class, subject=test.subject)
    test = _locked(test)
    before = _facts(test)
    test.status = TestStatus.CANCELLED
    test.save(update_fields=["status", "updated_at"])
    reason = reason.strip()[:300]
    audit_record(
        actor=actor,
        action="planned_test.cancel",
        object_type="planned_test",
        object_id=test.pk,
        before=before,
        after={**_facts(test), "reason": reason},
        school_id=test.school_id,
    )

    def build():
        values = {
            "number": test.number,
            "subject": test.subject.name,
            "class": test.school_class.name,
            "date": date_format(test.date, "DATE_FORMAT"),
            "reason": reason,
        }
        title = _("Test cancelled: %(subject)s") % values
        if reason:
            body = (
                _(
                    "Test %(number)s of %(subject)s for class %(class)s on %(date)s is "
                    "cancelled. Reason: %(reason)s"
                )
                % values
            )
        else:
            body = (
                _("Test %(number)s of %(subject)s for class %(class)s on %(date)s is cancelled.")
                % values
            )
        return title, body

    _notify_class(test, kind="test.cancelled", build=build, actor=actor)
    return test


def class_recipients(school_class_id: int) -> list[Recipient]:
    """The class's enrolled students and their guardians, each once, with their account's
    language (French for a guardian without an account). Two queries."""
    students = Enrollment.objects.filter(
        school_class_id=school_class_id, status=Enrollment.Status.ENROLLED
    ).values_list("student__user_id", "student__user__language", "student__user__recovery_email")
    guardians = (
        Guardian.objects.filter(
            links__student__enrollments__school_class_id=school_class_id,
            links__student__enrollments__status=Enrollment.Status.ENROLLED,
        )
        .values_list("pk", "user_id", "user__language", "email", "phone")
        .distinct()
    )
    recipients = [
        Recipient(user_id=user_id, language=language or "fr", email=email or "")
        for user_id, language, email in students
    ]
    recipients += [
        Recipient(user_id=user_id, language=language or "fr", email=email, phone=phone)
        for _pk, user_id, language, email, phone in guardians
    ]
    return recipients


def _notify_class(test: PlannedTest, *, kind: str, build, actor) -> dict:
    return notification_send(
        recipients=class_recipients(test.school_class_id),
        kind=kind,
        build=build,
        url=reverse("assessment:upcoming_tests"),
        actor=actor,
        school_id=test.school_id,
    )
