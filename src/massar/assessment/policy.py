"""The grading policy in force for a year, level and track: the ministry's stored row if there
is one (track-specific first), otherwise the defaults of data/policy.json."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db import transaction

from massar.assessment.models import GradingPolicy
from massar.core.audit import audit_record

EDITABLE = [
    "tests_per_semester",
    "has_activities",
    "semester1_weight",
    "semester2_weight",
    "promotion_threshold",
    "continuous_weight",
    "local_weight",
    "provincial_weight",
    "regional_weight",
    "national_weight",
    "free_regional_weight",
    "free_national_weight",
    "pass_mark",
    "rattrapage_enabled",
    "rattrapage_floor",
]


@cache
def _defaults() -> dict:
    return json.loads((Path(__file__).parent / "data" / "policy.json").read_text())


def policy_default(*, year, level, track=None) -> GradingPolicy:
    """An unsaved policy holding the shipped defaults for the level."""
    data = {**_defaults()["default"], **_defaults()["levels"].get(level.code, {})}
    values = {
        k: (Decimal(v) if isinstance(v, str) else v) for k, v in data.items() if k in EDITABLE
    }
    return GradingPolicy(year=year, level=level, track=track, **values)


def policies_for_year(year) -> dict[tuple[int, int | None], GradingPolicy]:
    """Stored policies of a year by (level_id, track_id) — one query, for bulk computations."""
    return {(p.level_id, p.track_id): p for p in GradingPolicy.objects.filter(year=year)}


def policy_for(*, year, level, track=None, stored: dict | None = None) -> GradingPolicy:
    stored = policies_for_year(year) if stored is None else stored
    track_id = getattr(track, "pk", track)
    return (
        stored.get((level.pk, track_id))
        or stored.get((level.pk, None))
        or policy_default(year=year, level=level, track=None)
    )


def policy_save(*, year, level, track=None, values: dict, actor) -> GradingPolicy:
    """The ministry's edit of a policy (stored for that year, level and track)."""
    with transaction.atomic():
        policy = GradingPolicy.objects.filter(year=year, level=level, track=track).first()
        before = None
        if policy is None:
            base = policy_for(year=year, level=level, track=track)
            policy = GradingPolicy(
                year=year, level=level, track=track, **{k: getattr(base, k) for k in EDITABLE}
            )
        else:
            before = {k: str(getattr(policy, k)) for k in EDITABLE}
        for key, value in values.items():
            if key in EDITABLE:
                setattr(policy, key, value)
        policy.full_clean(exclude=["year", "level", "track"])
        policy.save()
        audit_record(
            actor=actor,
            action="policy.save",
            object_type="grading_policy",
            object_id=policy.pk,
            before=before,
            after={k: str(getattr(policy, k)) for k in EDITABLE},
        )
    return policy
