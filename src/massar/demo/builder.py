"""The demo: a small but believable Moroccan setting (Rabat-Salé-Kénitra academy, two
provincial directorates, a public primary school, a collège, a lycée and a private school,
the school year in progress on the day it is built, see `school_year_for`) with one login per
role. Idempotent: a second run only reprints logins.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pyotp
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from massar.core.audit import audit_record
from massar.core.models import Role, RoleAssignment, User
from massar.core.services import random_password, staff_username, student_username
from massar.demo.names import FEMALE_FIRST, LAST, MALE_FIRST, OPERATORS, PLACES
from massar.enrollment.models import Enrollment, SchoolClass, TeachingAssignment
from massar.registry.models import Guardian, GuardianLink, Student
from massar.registry.services import code_massar_allocate, code_massar_letter, identity_keys
from massar.schools.models import (
    CurriculumEntry,
    Level,
    School,
    SchoolYear,
    Semester,
    Subject,
    Track,
)
from massar.schools.reference import load_curriculum, load_levels, load_tracks_and_subjects
from massar.staff.models import Posting, StaffMember
from massar.territory.models import Academy, Directorate
from massar.territory.reference import load_territory


@dataclass(frozen=True)
class YearDates:
    """The dates of one school year as the demo (and `massar generate`) sets them."""

    code: str
    starts_on: date
    s1_ends_on: date
    s2_starts_on: date
    ends_on: date

    @property
    def start_year(self) -> int:
        return self.starts_on.year


def _monday_on_or_after(day: date) -> date:
    return day + timedelta(days=-day.weekday() % 7)


def school_year(start_year: int) -> YearDates:
    """The year starting in September of `start_year`: the rentrée is the first Monday on or
    after 5 September (2025 → 8 Sept., 2026 → 7 Sept.), semester 1 ends on 31 January,
    semester 2 starts the first Monday on or after 1 February and the year ends on the first
    Friday of July (2025-2026: 8 Sept. 2025 – 31 Jan. 2026, 2 Feb. – 3 July 2026)."""
    july_1 = date(start_year + 1, 7, 1)
    return YearDates(
        code=f"{start_year}-{start_year + 1}",
        starts_on=_monday_on_or_after(date(start_year, 9, 5)),
        s1_ends_on=date(start_year + 1, 1, 31),
        s2_starts_on=_monday_on_or_after(date(start_year + 1, 2, 1)),
        ends_on=july_1 + timedelta(days=(4 - july_1.weekday()) % 7),
    )


def school_year_for(today: date) -> YearDates:
    """The school year in progress on `today`. Until the end of August the year that began the
    previous September is still the current one (the summer holidays belong to it)."""
    return school_year(today.year if today.month >= 9 else today.year - 1)


# The demo's year is the one in progress on the day it is built (tests build it once per
# session; derive dates from these rather than writing a year).
DEMO_YEAR = school_year_for(timezone.localdate())
NEXT_YEAR = school_year(DEMO_YEAR.start_year + 1)
PREVIOUS_YEAR = school_year(DEMO_YEAR.start_year - 1)
YEAR = DEMO_YEAR.code
ACADEMY_CODE = "04"  # Rabat-Salé-Kénitra

# code, French name, Arabic name, sector, area, cycles, directorate index, classes
SCHOOLS = [
    (
        "04011A",
        "École primaire Ibn Khaldoun",
        "مدرسة ابن خلدون الابتدائية",
        "PUBLIC",
        "URBAN",
        "P",
        0,
        [(lv, None, f"{lv}-1", 16) for lv in ("1AP", "2AP", "3AP", "4AP", "5AP", "6AP")],
    ),
    (
        "04012B",
        "Collège Al Massira",
        "الثانوية الإعدادية المسيرة",
        "PUBLIC",
        "URBAN",
        "M",
        0,
        [(lv, None, f"{lv}-{n}", 20) for lv in ("1AC", "2AC", "3AC") for n in (1, 2)],
    ),
    (
        "04021C",
        "Lycée Moulay Youssef",
        "الثانوية التأهيلية مولاي يوسف",
        "PUBLIC",
        "URBAN",
        "H",
        1,
        [
            ("TC", "TCS", "TCS-1", 22),
            ("TC", "TCL", "TCL-1", 18),
            ("1BAC", "1SE", "1SE-1", 20),
            ("2BAC", "PC", "2PC-1", 20),
        ],
    ),
    (
        "04022D",
        "Groupe scolaire privé Les Orangers",
        "مجموعة مدارس البرتقال الخصوصية",
        "PRIVATE",
        "URBAN",
        "PM",
        1,
        [("5AP", None, "5AP-A", 14), ("1AC", None, "1AC-A", 14)],
    ),
]
BIRTH_YEAR_1AP = DEMO_YEAR.start_year - 6  # six years old at the demo year's rentrée
LEVEL_INDEX = {
    c: i
    for i, c in enumerate(
        ["1AP", "2AP", "3AP", "4AP", "5AP", "6AP", "1AC", "2AC", "3AC", "TC", "1BAC", "2BAC"]
    )
}


@dataclass
class DemoLogins:
    accounts: list[dict] = field(default_factory=list)

    def add(self, role: str, user: User, password: str, totp: str = "") -> None:
        self.accounts.append(
            {"role": role, "identifier": user.username, "password": password, "totp_secret": totp}
        )

    def by_role(self, role: str) -> dict:
        return next(a for a in self.accounts if a["role"] == role)


def logins_path():
    """One file per database: demo logins printed for one database never describe another."""
    import hashlib

    db = settings.DATABASES["default"]
    key = hashlib.sha256(f"{db['ENGINE']}|{db.get('HOST')}|{db['NAME']}".encode()).hexdigest()
    return settings.VAR_DIR / f"demo-logins-{key[:12]}.json"


def demo_exists() -> bool:
    return School.objects.filter(code=SCHOOLS[0][0]).exists()


def build_demo(*, seed: int = 2025, evaluations: bool = True) -> DemoLogins:
    """`evaluations`: marks and test calendar of the semester in progress (`_evaluations`).
    The test suite builds the demo without them: its assessment tests start from empty grids."""
    if settings.PRODUCTION:
        raise RuntimeError("the demo is for development and tests, never for production")
    if demo_exists():
        return _stored_logins()
    with transaction.atomic():
        logins = _build(random.Random(seed), evaluations=evaluations)
    if not settings.TESTING:
        path = logins_path()
        path.write_text(json.dumps(logins.accounts, ensure_ascii=False, indent=1))
        path.chmod(0o600)
    else:
        _TEST_LOGINS.accounts = logins.accounts
    return logins


_TEST_LOGINS = DemoLogins()


def _stored_logins() -> DemoLogins:
    if settings.TESTING:
        return _TEST_LOGINS
    path = logins_path()
    return DemoLogins(json.loads(path.read_text()) if path.exists() else [])


def _year() -> SchoolYear:
    dates = DEMO_YEAR
    year, _ = SchoolYear.objects.get_or_create(
        code=dates.code, defaults={"starts_on": dates.starts_on, "ends_on": dates.ends_on}
    )
    if not SchoolYear.objects.filter(is_current=True).exists():
        SchoolYear.objects.filter(pk=year.pk).update(is_current=True)
        year.is_current = True
    Semester.objects.get_or_create(
        year=year, number=1, defaults={"starts_on": dates.starts_on, "ends_on": dates.s1_ends_on}
    )
    Semester.objects.get_or_create(
        year=year, number=2, defaults={"starts_on": dates.s2_starts_on, "ends_on": dates.ends_on}
    )
    load_curriculum(year, Level, Track, Subject, CurriculumEntry)
    return year


def _reference_data() -> None:
    """Reference data comes with the migrations; a flushed test database has lost it."""
    if not Academy.objects.exists():
        load_territory(Academy, Directorate)
    if not Level.objects.exists():
        load_levels(Level)
        load_tracks_and_subjects(Level, Track, Subject)


def _build(rng: random.Random, *, evaluations: bool) -> DemoLogins:
    _reference_data()
    academy = Academy.objects.get(code=ACADEMY_CODE)
    directorates = list(academy.directorates.order_by("code")[:2])
    year = _year()
    levels = {lv.code: lv for lv in Level.objects.all()}
    tracks = {t.code: t for t in Track.objects.all()}
    letter = code_massar_letter(academy.code)

    schools, classes = {}, []
    for code, fr, ar, sector, area, cycles, d_index, structure in SCHOOLS:
        school = School.objects.create(
            code=code,
            name_fr=fr,
            name_ar=ar,
            sector=sector,
            area=area,
            directorate=directorates[d_index],
            has_primary="P" in cycles,
            has_middle="M" in cycles,
            has_high="H" in cycles,
            address=f"{rng.randint(1, 200)}, avenue Hassan II, {directorates[d_index].name_fr}",
            phone=f"05377{rng.randint(10000, 99999)}",
        )
        schools[code] = school
        for level_code, track_code, name, size in structure:
            sc = SchoolClass.objects.create(
                school=school,
                year=year,
                level=levels[level_code],
                track=tracks.get(track_code),
                name=name,
                capacity=max(40, size),
            )
            classes.append((sc, size))

    students, enrollments, guardians, links = _students(rng, year, classes, letter)
    staff_by_school = _staff(rng, schools, year, classes)
    logins = _accounts(rng, academy, directorates, schools, staff_by_school, students, links)
    if evaluations:
        _evaluations(random.Random(rng.random()), year, timezone.localdate())
    audit_record(
        actor=None,
        action="demo.build",
        object_type="school_year",
        object_id=year.pk,
        after={"students": len(students), "schools": len(schools)},
        source="command",
    )
    return logins


def _person(rng: random.Random, sex: str) -> tuple[str, str]:
    pool = MALE_FIRST if sex == "M" else FEMALE_FIRST
    # earlier names are commoner: a triangular draw towards the head of the list
    return pool[int(rng.triangular(0, len(pool), 0))]


def _students(rng, year, classes, letter):
    total = sum(size for _, size in classes)
    codes = code_massar_allocate(letter=letter, count=total)
    students, enrollments, families = [], [], []
    for sc, size in classes:
        base = BIRTH_YEAR_1AP - LEVEL_INDEX[sc.level.code]
        for _ in range(size):
            sex = rng.choice("MF")
            first_fr, first_ar = _person(rng, sex)
            last_fr, last_ar = LAST[int(rng.triangular(0, len(LAST), 0))]
            repeater = rng.random() < 0.12
            birth = date(base - (1 if repeater else 0), rng.randint(1, 12), rng.randint(1, 28))
            names = {
                "last_name_fr": last_fr,
                "first_name_fr": first_fr,
                "last_name_ar": last_ar,
                "first_name_ar": first_ar,
            }
            students.append(
                Student(
                    code_massar=codes[len(students)],
                    **names,
                    **identity_keys(names),
                    sex=sex,
                    birth_date=birth,
                    birth_place=rng.choice(PLACES),
                    address=f"Hay {rng.randint(1, 40)}, Rabat",
                    special_needs=rng.random() < 0.02,
                )
            )
            enrollments.append((sc, repeater))
    Student.objects.bulk_create(students, batch_size=500)
    students = list(Student.objects.filter(code_massar__in=codes).order_by("code_massar"))
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                student=s,
                school_id=sc.school_id,
                year=year,
                level_id=sc.level_id,
                track_id=sc.track_id,
                school_class=sc,
                enrolled_on=year.starts_on,
                decision="",
            )
            for s, (sc, _repeater) in zip(students, enrollments, strict=True)
        ],
        batch_size=500,
    )

    # One father per family; about one family in five has two children in the demo.
    guardians, links = [], []
    i = 0
    while i < len(students):
        child = students[i]
        prefix, operator = rng.choice(OPERATORS)
        father_fr, father_ar = _person(rng, "M")
        guardians.append(
            Guardian(
                last_name_fr=child.last_name_fr,
                first_name_fr=father_fr,
                last_name_ar=child.last_name_ar,
                first_name_ar=father_ar,
                phone=f"{prefix}{rng.randint(10_000_000, 99_999_999)}",
                phone_operator=operator,
                email=f"parent{i}@example.ma" if rng.random() < 0.4 else "",
            )
        )
        family = [child]
        if rng.random() < 0.2 and i + 37 < len(students):
            family.append(students[i + 37])  # a sibling in another class or school
        families.append(family)
        i += 1
    Guardian.objects.bulk_create(guardians, batch_size=500)
    guardians = list(Guardian.objects.order_by("-pk")[: len(families)])[::-1]
    seen = set()
    for guardian, family in zip(guardians, families, strict=True):
        for child in family:
            if (child.pk, guardian.pk) not in seen:
                seen.add((child.pk, guardian.pk))
                links.append(GuardianLink(student=child, guardian=guardian, relation="FATHER"))
    GuardianLink.objects.bulk_create(links, batch_size=500)
    return students, enrollments, guardians, links


def _staff(rng, schools, year, classes):
    """Teachers by subject for each school, assigned to every class × subject of the
    curriculum; a director and an office staff member per school."""
    curriculum = {}
    for entry in CurriculumEntry.objects.filter(year=year).select_related("subject"):
        curriculum.setdefault((entry.level_id, entry.track_id), []).append(entry)
    ppr = 1_200_000 + rng.randint(0, 9999)
    staff_by_school: dict[str, dict] = {}
    assignments = []
    for code, school in schools.items():
        teachers: dict[str, list[StaffMember]] = {}
        people = {"director": None, "staff": None, "teachers": teachers}
        school_classes = [sc for sc, _ in classes if sc.school_id == school.pk]
        for kind in ("DIRECTOR", "ADMIN"):
            ppr += 1
            member = _staff_member(rng, ppr, kind, school)
            people["director" if kind == "DIRECTOR" else "staff"] = member
        load: dict[str, int] = {}
        for sc in school_classes:
            for entry in curriculum.get((sc.level_id, sc.track_id), []):
                # primary: one teacher per class; secondary: a subject teacher for 4 classes
                primary = sc.level.cycle == "PRIMARY"
                key = f"class-{sc.pk}" if primary else entry.subject.code
                cap = 10**6 if primary else 4
                pool = teachers.setdefault(key, [])
                count = load.get(key, 0)
                if count // cap >= len(pool):
                    ppr += 1
                    member = _staff_member(rng, ppr, "TEACHER", school)
                    pool.append(member)
                teacher = pool[count // cap]
                teacher.subjects.add(entry.subject)
                load[key] = count + 1
                assignments.append(
                    TeachingAssignment(
                        school=school,
                        school_class=sc,
                        subject=entry.subject,
                        teacher=teacher,
                        weekly_hours=entry.weekly_hours,
                    )
                )
        staff_by_school[code] = people
    TeachingAssignment.objects.bulk_create(assignments, batch_size=500)
    return staff_by_school


def _staff_member(rng, ppr: int, kind: str, school: School) -> StaffMember:
    sex = rng.choice("MF")
    first_fr, first_ar = _person(rng, sex)
    last_fr, last_ar = rng.choice(LAST)
    member = StaffMember.objects.create(
        ppr=str(ppr),
        last_name_fr=last_fr,
        first_name_fr=first_fr,
        last_name_ar=last_ar,
        first_name_ar=first_ar,
        sex=sex,
        kind=kind,
        corps="Professeur de l'enseignement secondaire" if kind == "TEACHER" else "Administrateur",
        contract="PRIVATE" if school.sector == "PRIVATE" else rng.choice(["CIVIL", "AREF"]),
        required_weekly_hours=24 if kind == "TEACHER" else 0,
    )
    Posting.objects.create(staff=member, school=school, since=date(2020, 9, 1))
    return member


def _user(first_fr, last_fr, *, username: str, first_ar="", last_ar="", **extra) -> User:
    user = User(
        username=username,
        first_name=first_fr,
        last_name=last_fr,
        first_name_ar=first_ar,
        last_name_ar=last_ar,
        **extra,
    )
    password = random_password()
    user.set_password(password)
    user.save()
    user.demo_password = password
    return user


def _accounts(rng, academy, directorates, schools, staff_by_school, students, links):
    logins = DemoLogins()

    def staff_account(role, first, last, *, totp: bool, member=None, **bound):
        username = staff_username(first_name=first, last_name=last)
        user = _user(
            first,
            last,
            username=username,
            language="fr",
            is_staff=role == Role.MINISTRY,
            is_superuser=role == Role.MINISTRY,
            first_ar=member.first_name_ar if member else "",
            last_ar=member.last_name_ar if member else "",
            recovery_email=f"{username.split('@')[0]}@example.ma",
        )
        secret = ""
        if totp:
            secret = pyotp.random_base32()
            user.totp_secret, user.totp_enabled = secret, True
            user.save(update_fields=["totp_secret", "totp_enabled"])
        RoleAssignment.objects.create(user=user, role=role, **bound)
        if member is not None:
            member.user = user
            member.save(update_fields=["user"])
        logins.add(role, user, user.demo_password, secret)
        return user

    staff_account(Role.MINISTRY, "Nadia", "Benkirane", totp=True)
    staff_account(Role.ACADEMY, "Rachid", "Lamrani", totp=True, academy=academy)
    staff_account(Role.DIRECTORATE, "Samira", "Ouali", totp=True, directorate=directorates[0])
    college = schools["04012B"]
    people = staff_by_school["04012B"]
    for role, member in ((Role.DIRECTOR, people["director"]), (Role.STAFF, people["staff"])):
        staff_account(
            role,
            member.first_name_fr,
            member.last_name_fr,
            totp=role == Role.DIRECTOR,
            member=member,
            school=college,
        )
    # The demo teacher teaches mathematics in the collège.
    maths = Subject.objects.filter(name_fr__istartswith="math").values_list("code", flat=True)
    teacher_member = next(
        (people["teachers"][c][0] for c in maths if c in people["teachers"]),
        next(iter(people["teachers"].values()))[0],
    )
    staff_account(
        Role.TEACHER,
        teacher_member.first_name_fr,
        teacher_member.last_name_fr,
        totp=False,
        member=teacher_member,
        school=college,
    )
    # Other schools' directors get accounts too, so scopes can be seen side by side.
    for code, ppl in staff_by_school.items():
        if code != "04012B":
            member = ppl["director"]
            user = _user(
                member.first_name_fr,
                member.last_name_fr,
                username=staff_username(
                    first_name=member.first_name_fr, last_name=member.last_name_fr
                ),
                first_ar=member.first_name_ar,
                last_ar=member.last_name_ar,
            )
            user.totp_secret, user.totp_enabled = pyotp.random_base32(), True
            user.save(update_fields=["totp_secret", "totp_enabled"])
            RoleAssignment.objects.create(user=user, role=Role.DIRECTOR, school=schools[code])
            member.user = user
            member.save(update_fields=["user"])

    # The demo guardian: a father with children in two schools, one taught by the teacher.
    taught = set(
        TeachingAssignment.objects.filter(teacher=teacher_member).values_list(
            "school_class_id", flat=True
        )
    )
    student = next(
        s
        for s in students
        if Enrollment.objects.filter(student=s, school_class_id__in=taught).exists()
    )
    primary_child = next(s for s in students if s.enrollments.first().school.code == "04011A")
    link = GuardianLink.objects.filter(student=student).select_related("guardian").first()
    guardian = link.guardian
    if not GuardianLink.objects.filter(student=primary_child, guardian=guardian).exists():
        GuardianLink.objects.create(student=primary_child, guardian=guardian, relation="FATHER")
    g_user = _user(
        guardian.first_name_fr,
        guardian.last_name_fr,
        username=staff_username(
            first_name=guardian.first_name_fr, last_name=guardian.last_name_fr
        ).replace("@", ".parent@"),
        first_ar=guardian.first_name_ar,
        last_ar=guardian.last_name_ar,
        language="ar",
        recovery_phone=guardian.phone,
    )
    guardian.user = g_user
    guardian.save(update_fields=["user"])
    RoleAssignment.objects.create(user=g_user, role=Role.GUARDIAN)
    logins.add(Role.GUARDIAN, g_user, g_user.demo_password)

    s_user = _user(
        student.first_name_fr,
        student.last_name_fr,
        username=student_username(student.code_massar),
        first_ar=student.first_name_ar,
        last_ar=student.last_name_ar,
        language="ar",
    )
    student.user = s_user
    student.save(update_fields=["user"])
    RoleAssignment.objects.create(user=s_user, role=Role.STUDENT)
    logins.add(Role.STUDENT, s_user, s_user.demo_password)
    logins.accounts.sort(key=lambda a: Role.values.index(a["role"]))
    return logins


# --- evaluation: the tests of the semester in progress ------------------------------------------
# Every class × subject with a teacher has three tests per semester, in the weeks 5, 10 and 14 of
# the semester (a weekday that varies with the class and subject). A test dated before the day
# the demo is built has taken place: its marks are entered (about 3 % absences, a remark on some
# lines), with their history (MarkChange, source "generated"). The next test is planned on the
# calendar. Grade books stay open (not validated) and no results are computed or published:
# results come after a semester's class councils, and the demo has no finished semester.
TEST_WEEKS = (5, 10, 14)
ABSENCE_RATE = 0.03
REMARK_RATE = 0.08
REMARKS = (
    "Bon travail, continuez ainsi.",
    "Des progrès, à confirmer.",
    "Travail irrégulier.",
    "Doit participer davantage en classe.",
    "Résultats encourageants.",
    "Peut mieux faire.",
)


def planned_test_dates(semester: Semester, school_class_id: int, subject_id: int) -> list[date]:
    """The days of tests 1–3 of a class × subject in `semester` (see TEST_WEEKS)."""
    monday = semester.starts_on - timedelta(days=semester.starts_on.weekday())
    spread = (school_class_id * 7 + subject_id) % 5
    days = [monday + timedelta(weeks=w, days=(spread + n) % 5) for n, w in enumerate(TEST_WEEKS)]
    return [d for d in days if d <= semester.ends_on]


def _evaluations(rng: random.Random, year: SchoolYear, today: date) -> None:
    """Marks of the tests already taken and the calendar of the semester(s) begun by `today`,
    written set-based: the thousands of mark lines and their history go in with executemany
    (the ORM's bulk_create spends seconds building model instances), no per-grid service call."""
    from massar.assessment.models import GradeBook, MarkChange, MarkLine, PlannedTest

    semesters = [s for s in Semester.objects.filter(year=year).order_by("number")]
    semesters = [s for s in semesters if s.starts_on <= today]
    assignments = list(
        TeachingAssignment.objects.filter(school_class__year=year)
        .select_related("teacher")
        .order_by("pk")
    )
    pupils: dict[int, list[int]] = {}
    for class_id, student_id in (
        Enrollment.objects.filter(year=year, status="ENROLLED", school_class__isnull=False)
        .order_by("school_class_id", "student_id")
        .values_list("school_class_id", "student_id")
    ):
        pupils.setdefault(class_id, []).append(student_id)
    ability = {sid: rng.gauss(0, 1) for ids in pupils.values() for sid in ids}
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())

    def mark(student_id: int) -> Decimal:
        value = 11 + 2.2 * ability[student_id] + 2.2 * rng.gauss(0, 1)
        return Decimal(round(min(20.0, max(0.0, value)) * 4) / 4).quantize(Decimal("0.01"))

    books, planned, lines, history = [], [], [], {}
    for semester in semesters:
        for a in assignments:
            dates = planned_test_dates(semester, a.school_class_id, a.subject_id)
            taken = [d for d in dates if d < today]
            upcoming = [d for d in dates if d >= today][:1]
            key = (a.school_id, a.school_class_id, a.subject_id, semester.pk)
            fields = {
                "school_id": a.school_id,
                "school_class_id": a.school_class_id,
                "subject_id": a.subject_id,
                "semester_id": semester.pk,
            }
            planned += [
                PlannedTest(**fields, number=n, date=d, teacher_id=a.teacher_id)
                for n, d in enumerate(taken + upcoming, start=1)
            ]
            if not taken:
                continue
            books.append(GradeBook(**fields))
            user_id = a.teacher.user_id
            for student_id in pupils.get(a.school_class_id, []):
                scores, absents, changes = [None] * 4, [False] * 4, []
                for n in range(len(taken)):
                    absents[n] = rng.random() < ABSENCE_RATE
                    scores[n] = None if absents[n] else mark(student_id)
                    changes.append((n + 1, "ABS" if absents[n] else f"{scores[n]:.2f}"))
                remark = rng.choice(REMARKS) if rng.random() < REMARK_RATE else ""
                if remark:
                    changes.append((0, remark))
                lines.append(
                    (
                        *key, student_id,
                        *(ops.adapt_decimalfield_value(v, 4, 2) for v in scores), *absents,
                        None, False, remark, len(taken), now, user_id,
                    )
                )  # fmt: skip
                history[(*key, student_id)] = (user_id, changes)
    GradeBook.objects.bulk_create(books, batch_size=500)
    PlannedTest.objects.bulk_create(planned, batch_size=500)
    with connection.cursor() as cursor:
        cursor.executemany(_insert_sql(MarkLine, MARK_LINE_COLUMNS), lines)
        ids = MarkLine.objects.filter(semester__in=semesters).values_list(
            "pk", "school_id", "school_class_id", "subject_id", "semester_id", "student_id"
        )
        source = MarkChange.Source.GENERATED.value
        changes = []
        for pk, *line_key in ids:
            user_id, entered = history[tuple(line_key)]
            changes += [
                (now, user_id, *line_key, pk, test, "", value, source, "")
                for test, value in entered
            ]
        cursor.executemany(_insert_sql(MarkChange, MARK_CHANGE_COLUMNS), changes)


MARK_LINE_COLUMNS = (
    "school_id", "school_class_id", "subject_id", "semester_id", "student_id",
    "score1", "score2", "score3", "score4", "absent1", "absent2", "absent3", "absent4",
    "activities", "activities_absent", "remark", "version", "updated_at", "updated_by_id",
)  # fmt: skip
MARK_CHANGE_COLUMNS = (
    "at", "actor_id", "school_id", "school_class_id", "subject_id", "semester_id", "student_id",
    "line_id", "test", "old_value", "new_value", "source", "reason",
)  # fmt: skip


def _insert_sql(model, columns) -> str:
    q = connection.ops.quote_name
    names = ", ".join(q(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {q(model._meta.db_table)} ({names}) VALUES ({marks})"


def totp_now(secret: str) -> str:
    return pyotp.TOTP(secret).now()
