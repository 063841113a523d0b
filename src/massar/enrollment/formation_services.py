"""Writes of the class formation: the structure of a year (classes of each level and track,
their names and capacities), students assigned by hand, the automatic distribution (preview,
then confirmation) and the director's pair requests. Only the school's director writes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from massar.core.audit import audit_bulk, audit_record
from massar.core.scopes import Scope
from massar.enrollment.class_formation import (
    SIBLING_VALUES,
    FormationData,
    FormationError,
    FormationOptions,
    Plan,
    apply_plan,
    load_formation,
    no_room_message,
    plan_for,
)
from massar.enrollment.models import ClassPairing, Enrollment, SchoolClass
from massar.registry.models import Student
from massar.schools.models import Level, School, SchoolYear, Track

MAX_CAPACITY = 100  # a policy bound, not a rule of the ministry: larger is surely a typing slip
MAX_CLASSES_AT_ONCE = 40
NAME_LENGTH = SchoolClass._meta.get_field("name").max_length


# --- checks shared by the writes -----------------------------------------------------------------


def _director(scope: Scope, school_id: int) -> None:
    if not scope.manages_school(school_id):
        raise PermissionDenied


def _open(year: SchoolYear) -> None:
    if year.is_closed:
        raise FormationError(
            "closed_year", _("School year %(year)s is closed.") % {"year": year.code}
        )


def _taught(school: School, level: Level, track: Track | None) -> None:
    flags = {"PRIMARY": school.has_primary, "MIDDLE": school.has_middle, "HIGH": school.has_high}
    if not flags.get(level.cycle):
        raise FormationError(
            "wrong_cycle",
            _("This school does not teach level %(level)s.") % {"level": level.code},
        )
    if level.has_tracks and track is None:
        raise FormationError("track", _("Level %(level)s needs a track.") % {"level": level.code})
    if not level.has_tracks and track is not None:
        raise FormationError("track", _("Level %(level)s has no track.") % {"level": level.code})
    # level.tracks is usually prefetched (formation_selectors.level_and_track)
    if track is not None and all(t.pk != track.pk for t in level.tracks.all()):
        raise FormationError(
            "track",
            _("Track %(track)s is not a track of level %(level)s.")
            % {"track": track.code, "level": level.code},
        )


def _capacity(value) -> int:
    try:
        capacity = int(value)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= MAX_CAPACITY:
        raise FormationError(
            "capacity",
            _("A capacity is a whole number from 1 to %(max)d.") % {"max": MAX_CAPACITY},
        )
    return capacity


def _name(value: str) -> str:
    name = " ".join((value or "").split())
    if not name or len(name) > NAME_LENGTH:
        raise FormationError(
            "name",
            _("A class name has 1 to %(max)d characters.") % {"max": NAME_LENGTH},
        )
    return name


def class_names_free(*, school: School, year: SchoolYear, prefix: str, count: int) -> list[str]:
    """The `count` first names PREFIX-1, PREFIX-2 … not yet used in the school that year
    (one query): "add 2 classes" after 1AC-1 … 1AC-4 gives 1AC-5 and 1AC-6."""
    if not 1 <= count <= MAX_CLASSES_AT_ONCE:
        raise FormationError(
            "count",
            _("Declare from 1 to %(max)d classes at a time.") % {"max": MAX_CLASSES_AT_ONCE},
        )
    prefix = _name(prefix)
    used = set(
        SchoolClass.objects.filter(
            school=school, year=year, name__startswith=f"{prefix}-"
        ).values_list("name", flat=True)
    )
    names, n = [], 0
    while len(names) < count:
        n += 1
        if f"{prefix}-{n}" not in used:
            names.append(_name(f"{prefix}-{n}"))
    return names


def _taken(school: School, year: SchoolYear, names: list[str], exclude: int | None = None):
    qs = SchoolClass.objects.filter(school=school, year=year, name__in=names)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs


def _class_locked(school_class: SchoolClass) -> SchoolClass:
    return (
        SchoolClass.objects.select_for_update(of=("self",))
        .select_related("school", "year", "level", "track")
        .get(pk=school_class.pk)
    )


def class_size(school_class: SchoolClass) -> int:
    return Enrollment.objects.filter(
        school_class=school_class, status=Enrollment.Status.ENROLLED
    ).count()


# --- the structure -------------------------------------------------------------------------------


@transaction.atomic
def classes_declare(
    *,
    actor,
    scope: Scope,
    school: School,
    year: SchoolYear,
    level: Level,
    track: Track | None,
    names: list[str],
    capacity,
) -> list[SchoolClass]:
    """Declare classes of a level (and track) for a year: each name becomes a class of that
    capacity. A name already used in the school that year is refused, and nothing is
    created."""
    _director(scope, school.pk)
    _open(year)
    _taught(school, level, track)
    capacity = _capacity(capacity)
    names = [_name(n) for n in names]
    if not names:
        raise FormationError("name", _("Give at least one class name."))
    if len(names) > MAX_CLASSES_AT_ONCE:
        raise FormationError(
            "count",
            _("Declare from 1 to %(max)d classes at a time.") % {"max": MAX_CLASSES_AT_ONCE},
        )
    seen, twice = set(), []
    for n in names:
        if n.casefold() in seen:
            twice.append(n)
        seen.add(n.casefold())
    taken = sorted(set(_taken(school, year, names).values_list("name", flat=True)) | set(twice))
    if taken:
        raise FormationError(
            "duplicate_name",
            _("These class names are already used in %(year)s: %(names)s. Choose other names.")
            % {"year": year.code, "names": ", ".join(taken)},
        )
    try:
        with transaction.atomic():
            created = SchoolClass.objects.bulk_create(
                [
                    SchoolClass(
                        school=school,
                        year=year,
                        level=level,
                        track=track,
                        name=n,
                        capacity=capacity,
                    )
                    for n in names
                ]
            )
    except IntegrityError as err:  # a concurrent declaration took a name first
        raise FormationError(
            "duplicate_name", _("A class of that name was just created; reload the page.")
        ) from err
    if not all(c.pk for c in created):  # backends without RETURNING: read the ids back
        created = list(_taken(school, year, names).order_by("pk"))
    audit_bulk(
        [
            {
                "actor": actor,
                "action": "class.create",
                "object_type": "school_class",
                "object_id": c.pk,
                "school_id": school.pk,
                "after": {
                    "name": c.name,
                    "year": year.code,
                    "level": level.code,
                    "track": track.code if track else None,
                    "capacity": capacity,
                },
            }
            for c in created
        ]
    )
    return created


def class_create(
    *,
    actor,
    scope: Scope,
    school: School,
    year: SchoolYear,
    level: Level,
    track: Track | None,
    name: str,
    capacity,
) -> SchoolClass:
    return classes_declare(
        actor=actor,
        scope=scope,
        school=school,
        year=year,
        level=level,
        track=track,
        names=[name],
        capacity=capacity,
    )[0]


@transaction.atomic
def class_update(
    *, actor, scope: Scope, school_class: SchoolClass, name: str | None = None, capacity=None
) -> SchoolClass:
    """Rename or resize a class. A capacity below the number of students already in the
    class, or a name another class of the year has, is refused."""
    _director(scope, school_class.school_id)
    school_class = _class_locked(school_class)
    _open(school_class.year)
    before = {"name": school_class.name, "capacity": school_class.capacity}
    fields = []
    if name is not None and _name(name) != school_class.name:
        name = _name(name)
        if _taken(school_class.school, school_class.year, [name], exclude=school_class.pk):
            raise FormationError(
                "duplicate_name",
                _("A class named %(name)s already exists in %(year)s.")
                % {"name": name, "year": school_class.year.code},
            )
        school_class.name = name
        fields.append("name")
    if capacity is not None and _capacity(capacity) != school_class.capacity:
        capacity = _capacity(capacity)
        size = class_size(school_class)
        if capacity < size:
            raise FormationError(
                "capacity_below_size",
                _(
                    "Class %(name)s has %(size)d students: its capacity cannot be less. Move "
                    "students out first."
                )
                % {"name": school_class.name, "size": size},
            )
        school_class.capacity = capacity
        fields.append("capacity")
    if fields:
        try:
            with transaction.atomic():
                school_class.save(update_fields=fields)
        except IntegrityError as err:
            raise FormationError(
                "duplicate_name", _("A class of that name was just created; reload the page.")
            ) from err
        audit_record(
            actor=actor,
            action="class.update",
            object_type="school_class",
            object_id=school_class.pk,
            school_id=school_class.school_id,
            before=before,
            after={"name": school_class.name, "capacity": school_class.capacity},
        )
    return school_class


@transaction.atomic
def class_delete(*, actor, scope: Scope, school_class: SchoolClass) -> None:
    """Delete a class nobody was ever enrolled in (an enrollment's history keeps its class)."""
    _director(scope, school_class.school_id)
    school_class = _class_locked(school_class)
    _open(school_class.year)
    if Enrollment.objects.filter(school_class=school_class).exists():
        raise FormationError(
            "not_empty",
            _("Class %(name)s has students: move them to other classes before deleting it.")
            % {"name": school_class.name},
        )
    audit_record(
        actor=actor,
        action="class.delete",
        object_type="school_class",
        object_id=school_class.pk,
        school_id=school_class.school_id,
        before={
            "name": school_class.name,
            "year": school_class.year.code,
            "level": school_class.level.code,
            "capacity": school_class.capacity,
        },
    )
    school_class.delete()


# --- students into classes by hand ---------------------------------------------------------------


def _selected(filters: dict, enrollment_ids) -> list[tuple]:
    ids = sorted({int(i) for i in enrollment_ids if str(i).isdigit()})
    if not ids:
        raise FormationError("nothing_selected", _("Select at least one student."))
    rows = list(
        Enrollment.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, status=Enrollment.Status.ENROLLED, **filters)
        .order_by("pk")
        .values_list("pk", "school_class_id", "student__code_massar")
    )
    if len(rows) != len(ids):
        raise FormationError(
            "not_in_level",
            _(
                "Some selected students are not enrolled in this level of the school this "
                "year; reload the page."
            ),
        )
    return rows


@transaction.atomic
def class_assign(*, actor, scope: Scope, school_class: SchoolClass, enrollment_ids) -> int:
    """Put the selected students of the class's level (and track) into the class, all or
    none: refused if the class would be over its capacity. Returns how many moved."""
    _director(scope, school_class.school_id)
    school_class = _class_locked(school_class)
    _open(school_class.year)
    rows = _selected(
        {
            "school_id": school_class.school_id,
            "year_id": school_class.year_id,
            "level_id": school_class.level_id,
            "track_id": school_class.track_id,
        },
        enrollment_ids,
    )
    incoming = [r for r in rows if r[1] != school_class.pk]
    size = class_size(school_class)
    if size + len(incoming) > school_class.capacity:
        raise FormationError(
            "over_capacity",
            _(
                "Class %(name)s has %(free)d free places (capacity %(capacity)d) and you "
                "selected %(selected)d students who are not in it yet. Select fewer students "
                "or raise the capacity; nobody was moved."
            )
            % {
                "name": school_class.name,
                "free": max(school_class.capacity - size, 0),
                "capacity": school_class.capacity,
                "selected": len(incoming),
            },
        )
    if not incoming:
        return 0
    Enrollment.objects.filter(pk__in=[r[0] for r in incoming]).update(
        school_class_id=school_class.pk
    )
    audit_record(
        actor=actor,
        action="class.assign",
        object_type="school_class",
        object_id=school_class.pk,
        school_id=school_class.school_id,
        before={"size": size},
        after={
            "class": school_class.name,
            "added": [r[2] for r in incoming],
            "size": size + len(incoming),
        },
    )
    return len(incoming)


@transaction.atomic
def class_unassign(
    *,
    actor,
    scope: Scope,
    school: School,
    year: SchoolYear,
    level: Level,
    track: Track | None,
    enrollment_ids,
) -> int:
    """Take the selected students of a level out of their classes (to place them again)."""
    _director(scope, school.pk)
    _open(year)
    list(
        SchoolClass.objects.select_for_update()
        .filter(school=school, year=year, level=level, track=track)
        .order_by("pk")
        .values_list("pk")
    )
    rows = _selected(
        {"school_id": school.pk, "year_id": year.pk, "level_id": level.pk, "track": track},
        enrollment_ids,
    )
    leaving = [r for r in rows if r[1] is not None]
    if not leaving:
        return 0
    Enrollment.objects.filter(pk__in=[r[0] for r in leaving]).update(school_class=None)
    by_class: dict[int, list[str]] = {}
    for _pk, class_id, code in leaving:
        by_class.setdefault(class_id, []).append(code)
    audit_bulk(
        [
            {
                "actor": actor,
                "action": "class.unassign",
                "object_type": "school_class",
                "object_id": class_id,
                "school_id": school.pk,
                "after": {"removed": codes},
            }
            for class_id, codes in sorted(by_class.items())
        ]
    )
    return len(leaving)


# --- the automatic distribution ------------------------------------------------------------------


def formation_options(siblings: str = "none") -> FormationOptions:
    if siblings not in SIBLING_VALUES:
        raise FormationError("siblings", _("Choose a rule for siblings from the list."))
    return FormationOptions(siblings=siblings, require_room=True)


def formation_preview(
    *,
    scope: Scope,
    school: School,
    year: SchoolYear,
    level: Level,
    track: Track | None,
    only_unassigned: bool = True,
    options: FormationOptions | None = None,
) -> tuple[FormationData, Plan]:
    """What the automatic distribution would do (nothing is written). The plan carries the
    fingerprint to send back with the confirmation."""
    _director(scope, school.pk)
    _taught(school, level, track)
    options = options or FormationOptions(require_room=True)
    data = load_formation(
        school_id=school.pk,
        year_id=year.pk,
        level_id=level.pk,
        track_id=track.pk if track else None,
        siblings=options.siblings != "none",
    )
    return data, plan_for(data, options, only_unassigned)


@transaction.atomic
def formation_confirm(
    *,
    actor,
    scope: Scope,
    school: School,
    year: SchoolYear,
    level: Level,
    track: Track | None,
    fingerprint: str,
    only_unassigned: bool = True,
    options: FormationOptions | None = None,
) -> tuple[FormationData, Plan]:
    """Apply the distribution the director previewed. The level's classes are locked, the
    data read again and its fingerprint compared with the preview's: if anything changed
    (a student, a class, a capacity, a request), nothing is written and the director looks
    at the new proposal. A plan that would leave students without a class is refused."""
    _director(scope, school.pk)
    _open(year)
    _taught(school, level, track)
    options = options or FormationOptions(require_room=True)
    data = load_formation(
        school_id=school.pk,
        year_id=year.pk,
        level_id=level.pk,
        track_id=track.pk if track else None,
        siblings=options.siblings != "none",
        lock=True,
    )
    if data.fingerprint(options, only_unassigned) != fingerprint:
        raise FormationError(
            "stale_preview",
            _(
                "The students or classes of this level changed since the preview; nothing was "
                "written. Look at the new proposal and confirm again."
            ),
        )
    plan = plan_for(data, options, only_unassigned)
    if options.require_room and plan.unplaced:
        raise FormationError("no_room", no_room_message(data, plan))
    apply_plan(data, plan, actor=actor)
    return data, plan


# --- pair requests -------------------------------------------------------------------------------


@transaction.atomic
def pairing_create(
    *,
    actor,
    scope: Scope,
    school: School,
    year: SchoolYear,
    first_code: str,
    second_code: str,
    mode: str,
) -> ClassPairing:
    """Ask the distribution to keep two students of the school (given by Code Massar) in the
    same class or in different classes. Asking again for the same two changes the mode."""
    _director(scope, school.pk)
    _open(year)
    if mode not in ClassPairing.Mode.values:
        raise FormationError("mode", _("Choose together or apart."))
    codes = [(first_code or "").strip().upper(), (second_code or "").strip().upper()]
    if codes[0] == codes[1]:
        raise FormationError("same_student", _("Give two different students."))
    found = dict(
        Student.objects.filter(
            code_massar__in=codes,
            enrollments__school=school,
            enrollments__year=year,
            enrollments__status=Enrollment.Status.ENROLLED,
        ).values_list("code_massar", "pk")
    )
    missing = [c for c in codes if c not in found]
    if missing:
        raise FormationError(
            "not_enrolled",
            _("No student enrolled in this school in %(year)s has the Code Massar %(codes)s.")
            % {"year": year.code, "codes": ", ".join(missing)},
        )
    first, second = sorted((found[codes[0]], found[codes[1]]))
    pairing = (
        ClassPairing.objects.select_for_update()
        .filter(year=year, first_id=first, second_id=second)
        .first()
    )
    before = None
    if pairing is None:
        pairing = ClassPairing.objects.create(
            school=school, year=year, first_id=first, second_id=second, mode=mode
        )
    elif pairing.school_id != school.pk:  # asked by the school they left this year
        raise FormationError(
            "other_school", _("Another school holds a request for these two students.")
        )
    else:
        before = {"mode": pairing.mode}
        pairing.mode = mode
        pairing.save(update_fields=["mode"])
    audit_record(
        actor=actor,
        action="class.pairing",
        object_type="class_pairing",
        object_id=pairing.pk,
        school_id=school.pk,
        before=before,
        after={"first": codes[0], "second": codes[1], "mode": mode, "year": year.code},
    )
    return pairing


@transaction.atomic
def pairing_delete(*, actor, scope: Scope, pairing: ClassPairing) -> None:
    _director(scope, pairing.school_id)
    audit_record(
        actor=actor,
        action="class.pairing_delete",
        object_type="class_pairing",
        object_id=pairing.pk,
        school_id=pairing.school_id,
        before={"first": pairing.first_id, "second": pairing.second_id, "mode": pairing.mode},
    )
    pairing.delete()
