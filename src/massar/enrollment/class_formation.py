"""Class formation: distributing a level's students into its classes.

The method is a greedy *serpentine deal* followed by a bounded *swap search*:

1. Students bound together (a TOGETHER request, or siblings when the director asks to keep
   them together) form one unit; units with requests go first, largest first, then single
   students sorted by stratum (sex, repeater, last year's average from best to worst, age).
2. Each unit goes to the class that is least filled relative to its target size (targets
   come from water-filling the capacities, so sizes end up within one of each other whenever
   the capacities allow), never over capacity, never with a student it must be kept apart
   from; among equally filled classes the one whose balance improves most wins. Dealing
   consecutive students of one stratum round the classes spreads girls, repeaters and ages
   evenly, and the descending averages make it the snake draft directors use by hand.
3. Swaps of two single students between classes are then tried (seeded, so the same input
   always gives the same plan) and kept when they bring every class's profile closer to the
   level's: class sums of standardised features (girl, repeater, age, average) towards zero.

Why not an exact optimisation: balancing several attributes under capacities and
apart-constraints is NP-hard (it contains number partitioning and graph colouring); an
integer-programming solver would be a new dependency with run times that vary by input,
while the rollover runs this for every level of thousands of schools in a row. The greedy
deal is O(n·classes), deterministic and explainable to a director; the swap search has a
fixed budget and closes most of what the greedy leaves (see test_formation_algorithm.py).

`plan_distribution` is a pure function over plain rows. `load_formation`, `apply_plan` and
`form_classes` are the database side: a fixed number of queries per (school, year, level,
track) whatever the number of students, one UPDATE per class and one audit row per class.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import DecimalField, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from massar.core.audit import audit_bulk
from massar.enrollment.models import ClassPairing, Enrollment, SchoolClass
from massar.enrollment.services import EnrollmentError

TOGETHER, APART = ClassPairing.Mode.TOGETHER.value, ClassPairing.Mode.APART.value

SIBLING_CHOICES = [
    ("none", gettext_lazy("no rule for siblings")),
    ("together", gettext_lazy("keep siblings in the same class")),
    ("apart", gettext_lazy("put siblings in different classes")),
]
SIBLING_VALUES = frozenset(v for v, _label in SIBLING_CHOICES)

# Relative weight of each attribute in the balance (features are standardised first, so the
# weights compare like with like). Age counts less: it mostly follows the repeaters.
FEATURE_WEIGHTS = (1.0, 1.0, 0.5, 1.0)  # girl, repeater, age, last year's average
SWAP_BUDGET_PER_STUDENT = 30
SWAP_PATIENCE_PER_STUDENT = 6
SEED = 20250908


class FormationError(EnrollmentError):
    """A refused class-formation operation (a stable code and a translated sentence)."""


# --- plain rows ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StudentRow:
    enrollment_id: int
    student_id: int
    sex: str  # "M" / "F"
    age: float | None  # years at the start of the school year
    is_repeater: bool
    last_average: float | None  # last year's annual average, out of 20
    class_id: int | None = None  # current class
    family: tuple[int, ...] = ()  # guardian ids: students sharing one are siblings
    # shown on pages only; the algorithm ignores them
    code_massar: str = ""
    name_fr: str = ""
    name_ar: str = ""


@dataclass(frozen=True, slots=True)
class ClassSlot:
    class_id: int
    name: str
    capacity: int


@dataclass(frozen=True, slots=True)
class PairRequest:
    first: int  # student ids
    second: int
    mode: str  # TOGETHER / APART
    pairing_id: int | None = None  # None: derived from the siblings option


@dataclass(frozen=True)
class FormationOptions:
    siblings: str = "none"  # "none", "together" or "apart"
    # Refuse (FormationError "no_room") rather than leave students without a class. The
    # rollover leaves it off and lists the students left over; the page and the command
    # turn it on.
    require_room: bool = False


@dataclass
class ClassBalance:
    """The profile of one class (or of the whole level when class_id is None)."""

    class_id: int | None
    name: str
    capacity: int
    size: int = 0
    girls: int = 0
    repeaters: int = 0
    age_sum: float = 0.0
    age_count: int = 0
    average_sum: float = 0.0
    average_count: int = 0
    incoming: int = 0  # students the plan moves in

    def add(self, row: StudentRow) -> None:
        self.size += 1
        self.girls += row.sex == "F"
        self.repeaters += row.is_repeater
        if row.age is not None:
            self.age_sum += row.age
            self.age_count += 1
        if row.last_average is not None:
            self.average_sum += row.last_average
            self.average_count += 1

    @property
    def free(self) -> int:
        return self.capacity - self.size

    @property
    def girls_percent(self) -> float | None:
        return round(100 * self.girls / self.size, 1) if self.size else None

    @property
    def mean_age(self) -> float | None:
        return round(self.age_sum / self.age_count, 1) if self.age_count else None

    @property
    def mean_average(self) -> float | None:
        return round(self.average_sum / self.average_count, 2) if self.average_count else None

    def as_dict(self) -> dict:
        return {
            "class_id": self.class_id,
            "name": self.name,
            "capacity": self.capacity,
            "size": self.size,
            "girls": self.girls,
            "girls_percent": self.girls_percent,
            "repeaters": self.repeaters,
            "mean_age": self.mean_age,
            "mean_average": self.mean_average,
            "incoming": self.incoming,
        }


@dataclass
class Plan:
    moves: dict[int, int | None] = field(default_factory=dict)  # enrollment -> class (None: out)
    classes: list[ClassBalance] = field(default_factory=list)
    overall: ClassBalance | None = None
    unplaced_ids: list[int] = field(default_factory=list)  # enrollments left without a class
    broken: list[PairRequest] = field(default_factory=list)  # requests the plan cannot honour
    fingerprint: str = ""
    applied: bool = False

    @property
    def placed(self) -> int:
        """Students the plan puts into (or moves to) a class."""
        return sum(1 for c in self.moves.values() if c is not None)

    @property
    def unplaced(self) -> int:
        return len(self.unplaced_ids)


# --- the algorithm -------------------------------------------------------------------------------


class _Groups:
    """Union-find over student ids (students who must share a class)."""

    def __init__(self, ids: Iterable[int]):
        self.parent = {i: i for i in ids}
        self.members = {i: [i] for i in self.parent}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))


def sibling_pairs(students: Sequence[StudentRow], mode: str) -> list[PairRequest]:
    """Pairs of students of the list who share a guardian, as requests of `mode`."""
    by_guardian: dict[int, list[int]] = {}
    for s in students:
        for g in s.family:
            by_guardian.setdefault(g, []).append(s.student_id)
    pairs = set()
    for ids in by_guardian.values():
        ids = sorted(set(ids))
        pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
    return [PairRequest(a, b, mode) for a, b in sorted(pairs)]


def _active_requests(
    students: Sequence[StudentRow], pairs: Iterable[PairRequest], siblings: str
) -> tuple[_Groups, list[PairRequest]]:
    """The TOGETHER groups and the requests in force. A director's named request wins over
    the siblings option when they disagree (a sibling edge that would put two students
    named APART into one group is dropped, and so is a sibling APART inside a named
    TOGETHER group)."""
    present = {s.student_id for s in students}
    named = [p for p in pairs if p.first in present and p.second in present and p.first != p.second]
    groups = _Groups(present)
    for p in named:
        if p.mode == TOGETHER:
            groups.union(p.first, p.second)
    named_apart = {frozenset((p.first, p.second)) for p in named if p.mode == APART}
    named_keys = {frozenset((p.first, p.second)) for p in named}
    active = list(named)
    if siblings == "together":
        for p in sibling_pairs(students, TOGETHER):
            if frozenset((p.first, p.second)) in named_keys:
                continue
            ra, rb = groups.find(p.first), groups.find(p.second)
            if ra != rb and any(
                frozenset((a, b)) in named_apart
                for a in groups.members[ra]
                for b in groups.members[rb]
            ):
                continue
            groups.union(p.first, p.second)
            active.append(p)
    elif siblings == "apart":
        for p in sibling_pairs(students, APART):
            if frozenset((p.first, p.second)) in named_keys:
                continue
            if groups.find(p.first) != groups.find(p.second):
                active.append(p)
    return groups, active


def _standardised(rows: Sequence[StudentRow]) -> dict[int, tuple[float, ...]]:
    """Each student's features (girl, repeater, age, average) centred on the level's mean and
    scaled by its spread; a missing age or average counts as the mean."""

    def scale(values: list[float | None]) -> list[float]:
        known = [v for v in values if v is not None]
        if len(known) < 2:
            return [0.0] * len(values)
        mean = sum(known) / len(known)
        sd = math.sqrt(sum((v - mean) ** 2 for v in known) / len(known))
        if sd < 1e-9:
            return [0.0] * len(values)
        return [0.0 if v is None else (v - mean) / sd for v in values]

    columns = [
        scale([1.0 if r.sex == "F" else 0.0 for r in rows]),
        scale([1.0 if r.is_repeater else 0.0 for r in rows]),
        scale([r.age for r in rows]),
        scale([r.last_average for r in rows]),
    ]
    # scaled by the square root of the weight: the squared sums then carry the weight itself
    roots = [math.sqrt(w) for w in FEATURE_WEIGHTS]
    return {
        r.enrollment_id: tuple(w * col[i] for w, col in zip(roots, columns, strict=True))
        for i, r in enumerate(rows)
    }


def _targets(slots: Sequence[ClassSlot], fixed: dict[int, int], total: int) -> dict[int, int]:
    """Target sizes: start from the students already placed, then add one at a time to the
    emptiest class that has room (water-filling), so sizes differ by at most one wherever
    capacities and earlier placements allow."""
    target = {c.class_id: fixed.get(c.class_id, 0) for c in slots}
    remaining = total - sum(target.values())
    order = {c.class_id: i for i, c in enumerate(slots)}
    cap = {c.class_id: c.capacity for c in slots}
    while remaining > 0:
        open_ = [c for c in target if target[c] < cap[c]]
        if not open_:
            break
        low = min(target[c] for c in open_)
        for c in sorted((c for c in open_ if target[c] == low), key=order.__getitem__):
            if remaining == 0:
                break
            target[c] += 1
            remaining -= 1
    return target


def plan_distribution(
    students: Sequence[StudentRow],
    classes: Sequence[ClassSlot],
    pairs: Iterable[PairRequest] = (),
    options: FormationOptions | None = None,
    *,
    only_unassigned: bool = True,
) -> Plan:
    """Plan the distribution of `students` (one level and track of a school) into `classes`.

    With `only_unassigned`, students who already have a class stay there and count in its
    size and balance; otherwise everyone is distributed afresh. Capacities are never
    exceeded: students who do not fit are listed in `unplaced_ids`. Requests that cannot be
    honoured (conflicting, or for lack of room) are listed in `broken`.
    """
    options = options or FormationOptions()
    slots = list(classes)
    slot_ids = {c.class_id for c in slots}
    rows = sorted(students, key=lambda r: r.enrollment_id)
    by_student = {r.student_id: r for r in rows}
    groups, requests = _active_requests(rows, pairs, options.siblings)

    place: dict[int, int | None] = {}  # enrollment -> class, for everyone in the slots
    movable: list[StudentRow] = []
    for r in rows:
        if only_unassigned and r.class_id is not None:
            place[r.enrollment_id] = r.class_id if r.class_id in slot_ids else None
        else:
            movable.append(r)
    counted = [r for r in rows if place.get(r.enrollment_id) is not None] + movable
    feature = _standardised(counted)
    width = len(FEATURE_WEIGHTS)
    sums = {c.class_id: [0.0] * width for c in slots}
    size = {c.class_id: 0 for c in slots}
    members: dict[int, set[int]] = {c.class_id: set() for c in slots}
    for r in rows:
        c = place.get(r.enrollment_id)
        if c is not None:
            size[c] += 1
            members[c].add(r.student_id)
            for k, v in enumerate(feature[r.enrollment_id]):
                sums[c][k] += v
    target = _targets(slots, dict(size), len(counted))
    capacity = {c.class_id: c.capacity for c in slots}
    order = {c.class_id: i for i, c in enumerate(slots)}
    apart: dict[int, set[int]] = {}
    for p in requests:
        if p.mode == APART:
            apart.setdefault(p.first, set()).add(p.second)
            apart.setdefault(p.second, set()).add(p.first)

    def put(r: StudentRow, c: int | None) -> None:
        place[r.enrollment_id] = c
        if c is None:
            return
        size[c] += 1
        members[c].add(r.student_id)
        for k, v in enumerate(feature[r.enrollment_id]):
            sums[c][k] += v

    def choose(unit: list[StudentRow], forced: int | None) -> int | None:
        n = len(unit)
        vector = [sum(feature[r.enrollment_id][k] for r in unit) for k in range(width)]
        partners = set().union(*(apart.get(r.student_id, set()) for r in unit))
        candidates = [forced] if forced is not None else [c.class_id for c in slots]
        roomy = [c for c in candidates if size[c] + n <= capacity[c]]
        allowed = [c for c in roomy if not (partners & members[c])] or roomy
        if not allowed:
            return None

        def key(c: int):
            after = size[c] + n
            fill = after / target[c] if target[c] else math.inf
            cost = sum(sums[c][k] * vector[k] for k in range(width))
            return (after > target[c], round(fill, 9), cost, order[c])

        return min(allowed, key=key)

    # units: the movable members of each TOGETHER group; a group with a member already
    # placed follows that member
    units: dict[int, list[StudentRow]] = {}
    for r in movable:
        units.setdefault(groups.find(r.student_id), []).append(r)
    forced_of: dict[int, int] = {}
    for root in units:
        placed_members = sorted(
            (by_student[s].enrollment_id, place[by_student[s].enrollment_id])
            for s in groups.members[root]
            if place.get(by_student[s].enrollment_id) is not None
        )
        if placed_members:
            forced_of[root] = placed_members[0][1]

    def stratum(r: StudentRow):
        average = -r.last_average if r.last_average is not None else math.inf
        return (r.sex, r.is_repeater, average, -(r.age or 0.0), r.enrollment_id)

    bound = [
        root
        for root, unit in units.items()
        if len(unit) > 1 or root in forced_of or any(r.student_id in apart for r in unit)
    ]
    bound_set = set(bound)
    partners_of = {
        root: set().union(*(apart.get(r.student_id, set()) for r in units[root])) for root in bound
    }

    def urgency(root: int):
        # DSatur, the usual greedy for colouring: the unit whose apart-partners already
        # block the most classes goes next, then the largest and the most constrained
        blocked = {place.get(by_student[s].enrollment_id) for s in partners_of[root]} - {None}
        return (
            root in forced_of,
            len(blocked),
            len(units[root]),
            len(partners_of[root]),
            -min(r.enrollment_id for r in units[root]),
        )

    swappable: list[StudentRow] = []

    def settle(unit: list[StudentRow], forced: int | None) -> None:
        c = choose(unit, forced)
        if c is None and forced is not None:
            c = choose(unit, None)
        if c is not None:
            for r in unit:
                put(r, c)
            if len(unit) == 1 and forced is None:
                swappable.append(unit[0])
            return
        # no class holds the whole group: its members go one by one (the request is broken)
        for r in sorted(unit, key=stratum):
            put(r, choose([r], None))

    pending = list(bound)
    while pending:
        root = max(pending, key=urgency)
        pending.remove(root)
        settle(units[root], forced_of.get(root))
    for r in sorted((units[root][0] for root in units if root not in bound_set), key=stratum):
        settle([r], None)

    _swap_search(swappable, place, sums, members, feature, apart)

    plan = Plan()
    for r in movable:
        new = place.get(r.enrollment_id)
        if new is None:
            plan.unplaced_ids.append(r.enrollment_id)
        if new != r.class_id:
            plan.moves[r.enrollment_id] = new
    final = {r.enrollment_id: place.get(r.enrollment_id) for r in rows}
    plan.classes, plan.overall = balance(rows, slots, final, plan.moves)
    plan.broken = _unmet(requests, by_student, final)
    return plan


def _swap_search(swappable, place, sums, members, feature, apart) -> None:
    """Hill climbing by swaps of two single students of different classes: sizes stay as the
    deal made them; a swap is kept when it lowers the sum over classes of the squared class
    sums of standardised features. The budget is fixed per student and the generator seeded,
    so the result is the same for the same input."""
    n = len(swappable)
    if n < 2:
        return
    rng = random.Random(SEED)
    budget, patience = SWAP_BUDGET_PER_STUDENT * n, SWAP_PATIENCE_PER_STUDENT * n
    width = len(FEATURE_WEIGHTS)
    idle = 0
    for _attempt in range(budget):
        if idle > patience:
            break
        idle += 1
        i, j = swappable[rng.randrange(n)], swappable[rng.randrange(n)]
        a, b = place[i.enrollment_id], place[j.enrollment_id]
        if a == b:
            continue
        xi, xj = feature[i.enrollment_id], feature[j.enrollment_id]
        sa, sb = sums[a], sums[b]
        delta = 0.0
        for k in range(width):
            d = xj[k] - xi[k]
            delta += 2 * d * (sa[k] - sb[k]) + 2 * d * d
        if delta >= -1e-9:
            continue
        if apart.get(i.student_id, set()) & (members[b] - {j.student_id}):
            continue
        if apart.get(j.student_id, set()) & (members[a] - {i.student_id}):
            continue
        for k in range(width):
            d = xj[k] - xi[k]
            sa[k] += d
            sb[k] -= d
        members[a].discard(i.student_id)
        members[b].discard(j.student_id)
        members[a].add(j.student_id)
        members[b].add(i.student_id)
        place[i.enrollment_id], place[j.enrollment_id] = b, a
        idle = 0


def _unmet(requests, by_student, final) -> list[PairRequest]:
    broken = []
    for p in requests:
        a = final.get(by_student[p.first].enrollment_id)
        b = final.get(by_student[p.second].enrollment_id)
        if a is None or b is None:
            if p.mode == TOGETHER and (a is not None or b is not None):
                broken.append(p)
            continue
        if (a == b) != (p.mode == TOGETHER):
            broken.append(p)
    return broken


def balance(
    rows: Sequence[StudentRow],
    slots: Sequence[ClassSlot],
    final: dict[int, int | None] | None = None,
    moves: dict[int, int | None] | None = None,
) -> tuple[list[ClassBalance], ClassBalance]:
    """Per-class profiles (and the level's) of a placement, by default the current one."""
    per = {c.class_id: ClassBalance(c.class_id, c.name, c.capacity) for c in slots}
    overall = ClassBalance(None, "", sum(c.capacity for c in slots))
    moves = moves or {}
    for r in rows:
        c = final.get(r.enrollment_id) if final is not None else r.class_id
        overall.add(r)
        if c in per:
            per[c].add(r)
            if r.enrollment_id in moves:
                per[c].incoming += 1
    return [per[c.class_id] for c in slots], overall


def pair_status(
    rows: Sequence[StudentRow], pairs: Iterable[PairRequest]
) -> dict[int | None, bool | None]:
    """For each named request, whether the current classes honour it (None: one of the two
    has no class yet or is not in this level)."""
    where = {r.student_id: r.class_id for r in rows}
    status = {}
    for p in pairs:
        a, b = where.get(p.first), where.get(p.second)
        status[p.pairing_id] = None if a is None or b is None else (a == b) == (p.mode == TOGETHER)
    return status


# --- the database side ---------------------------------------------------------------------------


def natural_key(name: str) -> tuple:
    """1AC-2 before 1AC-10."""
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name))


@dataclass
class FormationData:
    school_id: int
    year_id: int
    level_id: int
    track_id: int | None
    year_code: str
    year_closed: bool
    students: list[StudentRow]
    classes: list[ClassSlot]
    pairs: list[PairRequest]  # named requests of the school and year (all levels)

    def fingerprint(self, options: FormationOptions, only_unassigned: bool) -> str:
        """A digest of everything a plan depends on: the same digest at confirmation as at
        preview means the plan is the same (the algorithm is deterministic)."""
        digest = hashlib.sha256()
        digest.update(repr((options.siblings, only_unassigned)).encode())
        digest.update(repr([(c.class_id, c.capacity) for c in self.classes]).encode())
        digest.update(repr(sorted((p.first, p.second, p.mode) for p in self.pairs)).encode())
        for s in self.students:
            digest.update(
                repr(
                    (
                        s.enrollment_id,
                        s.student_id,
                        s.class_id,
                        s.sex,
                        s.age,
                        s.is_repeater,
                        s.last_average,
                        s.family if options.siblings != "none" else (),
                    )
                ).encode()
            )
        return digest.hexdigest()[:20]


def load_formation(
    *,
    school_id: int,
    year_id: int,
    level_id: int,
    track_id: int | None,
    siblings: bool = False,
    lock: bool = False,
) -> FormationData:
    """The rows of one level (and track) of a school in a school year, in four queries (five
    with `siblings`): the year with its predecessor, the classes (locked with `lock`, which
    serialises concurrent formations and assignments of the level), the enrollments with the
    student and last year's average, the school's pair requests. Served by the
    enrollment (school, year, level) index."""
    from massar.registry.models import GuardianLink
    from massar.schools.models import SchoolYear

    year = (
        SchoolYear.objects.filter(pk=year_id)
        .annotate(
            previous_id=Subquery(
                SchoolYear.objects.filter(starts_on__lt=OuterRef("starts_on"))
                .order_by("-starts_on")
                .values("pk")[:1]
            )
        )
        .values("code", "starts_on", "is_closed", "previous_id")
        .first()
    )
    if year is None:
        raise FormationError("no_year", _("This school year does not exist."))
    class_qs = SchoolClass.objects.filter(
        school_id=school_id, year_id=year_id, level_id=level_id, track_id=track_id
    )
    if lock:
        class_qs = class_qs.select_for_update().order_by("pk")
    classes = sorted(
        (
            ClassSlot(pk, name, capacity)
            for pk, name, capacity in class_qs.values_list("pk", "name", "capacity")
        ),
        key=lambda c: natural_key(c.name),
    )
    enrolled = Enrollment.objects.filter(
        school_id=school_id,
        year_id=year_id,
        level_id=level_id,
        track_id=track_id,
        status=Enrollment.Status.ENROLLED,
    )
    previous_average = Subquery(
        Enrollment.objects.filter(
            student_id=OuterRef("student_id"),
            year_id=year["previous_id"],
            annual_average__isnull=False,
        )
        .order_by("-pk")
        .values("annual_average")[:1],
        output_field=DecimalField(max_digits=4, decimal_places=2),
    )
    raw = list(
        enrolled.annotate(last_average=previous_average)
        .order_by("pk")
        .values_list(
            "pk",
            "student_id",
            "student__sex",
            "student__birth_date",
            "is_repeater",
            "last_average",
            "school_class_id",
            "student__code_massar",
            "student__last_name_fr",
            "student__first_name_fr",
            "student__last_name_ar",
            "student__first_name_ar",
        )
    )
    families: dict[int, list[int]] = {}
    if siblings:
        for student_id, guardian_id in GuardianLink.objects.filter(
            student_id__in=enrolled.values("student_id")
        ).values_list("student_id", "guardian_id"):
            families.setdefault(student_id, []).append(guardian_id)
    starts_on: date = year["starts_on"]
    students = [
        StudentRow(
            enrollment_id=pk,
            student_id=student_id,
            sex=sex,
            age=round((starts_on - birth).days / 365.25, 2) if birth else None,
            is_repeater=bool(repeater),
            last_average=float(average) if average is not None else None,
            class_id=class_id,
            family=tuple(sorted(families.get(student_id, ()))),
            code_massar=code,
            name_fr=f"{last_fr} {first_fr}",
            name_ar=f"{last_ar} {first_ar}",
        )
        for (
            pk,
            student_id,
            sex,
            birth,
            repeater,
            average,
            class_id,
            code,
            last_fr,
            first_fr,
            last_ar,
            first_ar,
        ) in raw
    ]
    pairs = [
        PairRequest(first, second, mode, pk)
        for pk, first, second, mode in ClassPairing.objects.filter(
            school_id=school_id, year_id=year_id
        )
        .order_by("pk")
        .values_list("pk", "first_id", "second_id", "mode")
    ]
    return FormationData(
        school_id=school_id,
        year_id=year_id,
        level_id=level_id,
        track_id=track_id,
        year_code=year["code"],
        year_closed=year["is_closed"],
        students=students,
        classes=classes,
        pairs=pairs,
    )


def plan_for(data: FormationData, options: FormationOptions, only_unassigned: bool) -> Plan:
    plan = plan_distribution(
        data.students, data.classes, data.pairs, options, only_unassigned=only_unassigned
    )
    plan.fingerprint = data.fingerprint(options, only_unassigned)
    return plan


def no_room_message(data: FormationData, plan: Plan) -> str:
    if not data.classes:
        return _("This level has no class in %(year)s yet: declare its classes first.") % {
            "year": data.year_code
        }
    return _(
        "%(missing)d students would be left without a class: the classes of this level have "
        "%(places)d places for %(students)d students. Add a class or raise a capacity, then "
        "try again."
    ) % {
        "missing": plan.unplaced,
        "places": sum(c.capacity for c in data.classes),
        "students": len(data.students),
    }


@transaction.atomic
def apply_plan(data: FormationData, plan: Plan, *, actor=None, source: str | None = None) -> int:
    """Write a plan: one UPDATE per class that receives students (and one for students left
    without a class, when everyone was redistributed), one audit row per class touched, in a
    single INSERT. Returns the number of enrollments changed."""
    if not plan.moves:
        plan.applied = True
        return 0
    rows = {s.enrollment_id: s for s in data.students}
    names = {c.class_id: c.name for c in data.classes}
    by_class: dict[int | None, list[int]] = {}
    for enrollment_id, class_id in plan.moves.items():
        by_class.setdefault(class_id, []).append(enrollment_id)
    changed = 0
    scope_filter = Q(
        school_id=data.school_id,
        year_id=data.year_id,
        level_id=data.level_id,
        track_id=data.track_id,
        status=Enrollment.Status.ENROLLED,
    )
    for class_id, ids in sorted(by_class.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        changed += Enrollment.objects.filter(scope_filter, pk__in=sorted(ids)).update(
            school_class_id=class_id
        )
    if changed != len(plan.moves):  # a row left the level meanwhile: write nothing
        raise FormationError(
            "changed",
            _("The students of this level changed meanwhile; look at the new proposal."),
        )
    touched: dict[int, dict] = {}
    for enrollment_id, class_id in plan.moves.items():
        row = rows[enrollment_id]
        if class_id is not None:
            touched.setdefault(class_id, {"in": [], "out": []})["in"].append(row.code_massar)
        if row.class_id is not None and row.class_id in names:
            touched.setdefault(row.class_id, {"in": [], "out": []})["out"].append(row.code_massar)
    after = {b.class_id: b for b in plan.classes}
    audit_bulk(
        [
            {
                "actor": actor if getattr(actor, "pk", None) else None,
                "action": "class.formation",
                "object_type": "school_class",
                "object_id": class_id,
                "school_id": data.school_id,
                "after": {
                    "class": names.get(class_id, ""),
                    "year": data.year_code,
                    "added": sorted(change["in"]),
                    "removed": sorted(change["out"]),
                    "balance": after[class_id].as_dict() if class_id in after else None,
                },
                **({"source": source} if source else {}),
            }
            for class_id, change in sorted(touched.items())
        ]
    )
    plan.applied = True
    return changed


def form_classes(
    *,
    school_id: int,
    year_id: int,
    level_id: int,
    track_id: int | None,
    actor=None,
    only_unassigned: bool = True,
    options: FormationOptions | None = None,
) -> Plan:
    """Load, plan and apply the automatic distribution of one level (and track) of a school,
    in one transaction: five queries plus one UPDATE per class, whatever the number of
    students. With `options.require_room`, a plan that would leave students without a class
    is refused (FormationError "no_room") and nothing is written; otherwise the students who
    do not fit are left without a class and counted in `plan.unplaced`."""
    options = options or FormationOptions()
    with transaction.atomic():
        data = load_formation(
            school_id=school_id,
            year_id=year_id,
            level_id=level_id,
            track_id=track_id,
            siblings=options.siblings != "none",
            lock=True,
        )
        if data.year_closed:
            raise FormationError(
                "closed_year", _("School year %(year)s is closed.") % {"year": data.year_code}
            )
        plan = plan_for(data, options, only_unassigned)
        if options.require_room and plan.unplaced:
            raise FormationError("no_room", no_room_message(data, plan))
        apply_plan(data, plan, actor=actor)
    return plan
