"""The class-formation algorithm as a pure function over plain rows (no database): balance
of sizes, girls, repeaters, ages and last year's averages; capacities; pair requests and
siblings; students already placed; determinism and speed. Hypothesis is not installed in
the project's environment: populations are drawn from seeded generators instead, many
shapes each (sizes, class counts, shares of girls and repeaters, missing averages)."""

import random
import time

import pytest

from massar.enrollment.class_formation import (
    APART,
    TOGETHER,
    ClassSlot,
    FormationOptions,
    PairRequest,
    StudentRow,
    balance,
    pair_status,
    plan_distribution,
)


def population(n, seed, *, girls=0.5, repeaters=0.15, missing=0.1, families=0.0, start=1):
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        repeater = rng.random() < repeaters
        average = None
        if rng.random() >= missing:
            average = round(min(20.0, max(0.0, rng.gauss(11, 3) - (2 if repeater else 0))), 2)
        family = ((start + i) // 2,) if rng.random() < families else (10**6 + start + i,)
        rows.append(
            StudentRow(
                enrollment_id=start + i,
                student_id=1000 + start + i,
                sex="F" if rng.random() < girls else "M",
                age=round(rng.gauss(12.5, 0.5) + (1 if repeater else 0), 2),
                is_repeater=repeater,
                last_average=average,
                family=family,
            )
        )
    return rows


def slots(count, capacity, start=1):
    return [ClassSlot(start + i, f"1AC-{start + i}", capacity) for i in range(count)]


def spread(values):
    values = list(values)
    return max(values) - min(values)


def shapes(count):
    """(seed, students, classes, capacity, girls share, repeaters share) for varied levels:
    from 2 to 14 classes of 12 to 45 students, capacities with 0 to 8 spare places."""
    rng = random.Random(4)
    out = []
    for seed in range(count):
        classes = rng.randint(2, 14)
        n = rng.randint(classes * 12, classes * 45)
        capacity = -(-n // classes) + rng.randint(0, 8)
        out.append((seed, n, classes, capacity, rng.uniform(0.2, 0.8), rng.uniform(0.0, 0.3)))
    return out


@pytest.mark.parametrize(("seed", "n", "classes", "capacity", "girls", "repeaters"), shapes(40))
def test_classes_are_balanced(seed, n, classes, capacity, girls, repeaters):
    rows = population(n, seed, girls=girls, repeaters=repeaters)
    plan = plan_distribution(rows, slots(classes, capacity))
    b = plan.classes
    assert plan.unplaced == 0 and plan.placed == n
    assert all(c.size <= c.capacity for c in b)
    assert spread(c.size for c in b) <= 1  # capacities allow it here
    assert spread(c.girls for c in b) <= 1
    assert spread(c.repeaters for c in b) <= 1
    assert spread(c.mean_average for c in b) <= 0.5  # points out of 20
    assert spread(c.mean_age for c in b) <= 0.3  # years


def test_the_balance_beats_a_plain_round_robin_on_averages():
    """The swap search earns its keep: dealing by list order alone is visibly worse."""
    rows = population(240, 7)
    plan = plan_distribution(rows, slots(6, 40))
    naive = {r.enrollment_id: 1 + i % 6 for i, r in enumerate(rows)}
    naive_classes, _ = balance(rows, slots(6, 40), naive)
    assert spread(c.mean_average for c in plan.classes) < spread(
        c.mean_average for c in naive_classes
    )


def test_unequal_capacities_fill_evenly_up_to_each_capacity():
    rows = population(70, 1)
    plan = plan_distribution(rows, [ClassSlot(1, "A", 20), ClassSlot(2, "B", 40), *slots(1, 40, 3)])
    assert [c.size for c in plan.classes] == [20, 25, 25]


def test_students_who_do_not_fit_are_listed_and_capacity_is_never_exceeded():
    rows = population(50, 2)
    plan = plan_distribution(rows, slots(2, 20))
    assert [c.size for c in plan.classes] == [20, 20]
    assert plan.unplaced == 10 and plan.placed == 40
    assert all(plan.moves[e] is not None for e in plan.moves)
    assert not set(plan.unplaced_ids) & set(plan.moves)


def test_without_classes_nobody_is_placed():
    plan = plan_distribution(population(12, 3), [])
    assert plan.unplaced == 12 and plan.placed == 0 and plan.classes == []


@pytest.mark.parametrize("seed", range(25))
def test_named_pairs_are_kept_together_or_apart(seed):
    rng = random.Random(seed)
    classes = rng.randint(2, 8)
    n = rng.randint(classes * 15, classes * 35)
    rows = population(n, seed)
    ids = [r.student_id for r in rows]
    pairs = [PairRequest(*rng.sample(ids, 2), rng.choice([TOGETHER, APART]), k) for k in range(12)]
    plan = plan_distribution(rows, slots(classes, -(-n // classes) + 3), pairs)
    final = {r.student_id: plan.moves.get(r.enrollment_id, r.class_id) for r in rows}
    # random requests may contradict each other (a with b, b with c, but a apart from c):
    # exactly those APART requests are reported, every other request is kept
    group = {i: i for i in ids}

    def root(i):
        while group[i] != i:
            i = group[i]
        return i

    for p in pairs:
        if p.mode == TOGETHER:
            group[root(p.first)] = root(p.second)
    contradictory = {
        p.pairing_id for p in pairs if p.mode == APART and root(p.first) == root(p.second)
    }
    assert {p.pairing_id for p in plan.broken} == contradictory
    for p in pairs:
        if p.pairing_id not in contradictory:
            assert (final[p.first] == final[p.second]) == (p.mode == TOGETHER), p
    assert spread(c.size for c in plan.classes) <= 2


def test_apart_requests_in_two_classes_are_coloured_like_a_chain():
    rows = population(40, 5)
    chain = [PairRequest(1001 + i, 1002 + i, APART, i) for i in range(15)]
    plan = plan_distribution(rows, slots(2, 20), chain)
    assert not plan.broken
    final = {r.student_id: plan.moves[r.enrollment_id] for r in rows}
    assert all(final[p.first] != final[p.second] for p in chain)


def test_contradictory_requests_are_reported():
    rows = population(30, 6)
    a, b, c = (r.student_id for r in rows[:3])
    pairs = [
        PairRequest(a, b, TOGETHER, 1),
        PairRequest(b, c, TOGETHER, 2),
        PairRequest(a, c, APART, 3),
    ]
    plan = plan_distribution(rows, slots(3, 12), pairs)
    assert [p.pairing_id for p in plan.broken] == [3]


def test_siblings_together_or_apart_on_request():
    rows = population(60, 8)
    family = [rows[0], rows[1], rows[2]]
    rows = [StudentRow(**{**_fields(r), "family": (77,)}) if r in family else r for r in rows]
    ids = [r.enrollment_id for r in family]
    together = plan_distribution(rows, slots(3, 20), options=FormationOptions(siblings="together"))
    assert len({together.moves[e] for e in ids}) == 1 and not together.broken
    apart = plan_distribution(rows, slots(3, 20), options=FormationOptions(siblings="apart"))
    assert len({apart.moves[e] for e in ids}) == 3 and not apart.broken
    none = plan_distribution(rows, slots(3, 20))
    assert not none.broken  # no rule, nothing to break


def test_a_named_request_wins_over_the_siblings_option():
    rows = population(40, 9)
    twins = [StudentRow(**{**_fields(r), "family": (5,)}) for r in rows[:2]]
    rows = twins + rows[2:]
    named = [PairRequest(twins[0].student_id, twins[1].student_id, APART, 1)]
    plan = plan_distribution(rows, slots(2, 20), named, FormationOptions(siblings="together"))
    assert plan.moves[twins[0].enrollment_id] != plan.moves[twins[1].enrollment_id]
    assert not plan.broken


def test_students_already_placed_stay_and_newcomers_even_out_the_sizes():
    placed = [StudentRow(**{**_fields(r), "class_id": 1}) for r in population(15, 10)]
    new = population(25, 11, start=100)
    plan = plan_distribution(placed + new, slots(2, 30))
    assert set(plan.moves) == {r.enrollment_id for r in new}
    assert [c.size for c in plan.classes] == [20, 20]
    assert [c.incoming for c in plan.classes] == [5, 20]


def test_a_newcomer_follows_the_placed_student_they_must_be_with():
    placed = [StudentRow(**{**_fields(r), "class_id": 2}) for r in population(10, 12)]
    new = population(10, 13, start=100)
    pairs = [PairRequest(placed[0].student_id, new[0].student_id, TOGETHER, 1)]
    plan = plan_distribution(placed + new, slots(2, 30), pairs)
    assert plan.moves[new[0].enrollment_id] == 2 and not plan.broken


def test_a_group_larger_than_any_free_room_is_split_and_reported():
    rows = population(12, 14)
    chain = [PairRequest(1001 + i, 1002 + i, TOGETHER, i) for i in range(7)]  # 8 students
    plan = plan_distribution(rows, slots(2, 6), chain)
    assert all(c.size <= 6 for c in plan.classes) and plan.unplaced == 0
    assert plan.broken


def test_redistributing_everyone_only_reports_real_moves():
    rows = [StudentRow(**{**_fields(r), "class_id": 1}) for r in population(40, 15)]
    plan = plan_distribution(rows, slots(2, 30), only_unassigned=False)
    assert [c.size for c in plan.classes] == [20, 20]
    assert set(plan.moves.values()) == {2} and len(plan.moves) == 20


def test_the_same_input_gives_the_same_plan_in_any_order():
    rows = population(180, 16)
    pairs = [PairRequest(1001, 1002, TOGETHER, 1), PairRequest(1003, 1004, APART, 2)]
    first = plan_distribution(rows, slots(5, 40), pairs)
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    second = plan_distribution(shuffled, slots(5, 40), list(reversed(pairs)))
    assert first.moves == second.moves


def test_missing_ages_and_averages_and_a_single_sex_are_handled():
    rows = [
        StudentRow(**{**_fields(r), "age": None, "last_average": None, "sex": "M"})
        for r in population(45, 17)
    ]
    plan = plan_distribution(rows, slots(3, 20))
    assert [c.size for c in plan.classes] == [15, 15, 15]
    assert all(c.mean_average is None and c.girls == 0 for c in plan.classes)
    assert plan.overall.girls_percent == 0


def test_balance_figures():
    rows = [
        StudentRow(1, 11, "F", 12.0, False, 14.0, 1),
        StudentRow(2, 12, "M", 13.0, True, None, 1),
        StudentRow(3, 13, "F", None, False, 10.0, 2),
    ]
    classes, overall = balance(rows, slots(2, 30))
    first = classes[0].as_dict()
    assert first | {"class_id": 1} == {
        "class_id": 1,
        "name": "1AC-1",
        "capacity": 30,
        "size": 2,
        "girls": 1,
        "girls_percent": 50.0,
        "repeaters": 1,
        "mean_age": 12.5,
        "mean_average": 14.0,
        "incoming": 0,
    }
    assert overall.size == 3 and overall.mean_average == 12.0
    status = pair_status(rows, [PairRequest(11, 12, TOGETHER, 7), PairRequest(11, 13, TOGETHER, 8)])
    assert status == {7: True, 8: False}


def test_a_large_lycee_level_is_planned_quickly():
    rows = population(1500, 18, families=0.3)
    pairs = [PairRequest(1001 + 2 * i, 1002 + 2 * i + 40, APART, i) for i in range(50)]
    started = time.perf_counter()
    plan = plan_distribution(rows, slots(34, 45), pairs, FormationOptions(siblings="apart"))
    assert time.perf_counter() - started < 3.0
    assert plan.unplaced == 0 and not plan.broken
    assert spread(c.size for c in plan.classes) <= 1


def _fields(row: StudentRow) -> dict:
    return {name: getattr(row, name) for name in StudentRow.__slots__}
