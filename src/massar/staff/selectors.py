"""Reads of the staff app, always through the user's scope.

A staff member is in a scope through their postings: a school's administration sees the
people posted there, the territorial levels those posted in their schools.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from massar.core.scopes import Scope
from massar.schools.models import School
from massar.schools.selectors import school_list
from massar.staff.models import Posting, StaffMember

MAX_SCHOOL_CHOICES = 500


def _postings_in_scope(scope: Scope) -> QuerySet[Posting]:
    if not (scope.is_territorial or scope.school_ids):
        return Posting.objects.none()
    return Posting.objects.filter(scope.schools_q("school__"))


def staff_list(scope: Scope, *, school_id: int | None = None, text: str = "") -> QuerySet:
    """Staff posted in the schools the user oversees or administers (or in one of them),
    with their subjects, postings and account; a name prefix in either script or the
    beginning of the PPR narrows it. Each person appears once, whatever their postings."""
    postings = _postings_in_scope(scope)
    if school_id is not None:
        postings = postings.filter(school_id=school_id)
    qs = StaffMember.objects.filter(pk__in=postings.values("staff_id"))
    text = text.strip()
    if text.isdigit():
        qs = qs.filter(ppr__startswith=text)
    elif text:
        qs = qs.filter(
            Q(last_name_fr__istartswith=text)
            | Q(first_name_fr__istartswith=text)
            | Q(last_name_ar__startswith=text)
            | Q(first_name_ar__startswith=text)
        )
    return qs.select_related("user").prefetch_related(
        "subjects",
        Prefetch("postings", queryset=Posting.objects.select_related("school").order_by("school")),
    )


def staff_get(scope: Scope, staff_id: int) -> StaffMember:
    """One staff member in scope with subjects and postings; 404 otherwise, so an id from
    elsewhere reveals nothing."""
    member = staff_list(scope).filter(pk=staff_id).first()
    if member is None:
        raise Http404
    return member


def staff_by_ppr(scope: Scope, ppr: str) -> StaffMember | None:
    """The recorded person holding this PPR, for a director about to record them again (the
    director has the number from the person's papers). Directors only."""
    if not scope.director_school_ids:
        raise PermissionDenied
    return StaffMember.objects.filter(ppr=ppr.strip()).prefetch_related("subjects").first()


def staff_for_attach(scope: Scope, *, staff_id: int, ppr: str) -> StaffMember:
    """The person a director attaches to their school: outside the director's scope until
    then, so the id alone is not enough, the PPR must match too (no walking through ids)."""
    if not scope.director_school_ids:
        raise PermissionDenied
    member = StaffMember.objects.filter(pk=staff_id, ppr=ppr.strip()).first() if ppr else None
    if member is None:
        raise Http404
    return member


def director_schools(scope: Scope) -> QuerySet[School]:
    """Schools the user directs (where they record staff and provision accounts)."""
    return School.objects.filter(pk__in=scope.director_school_ids).order_by("code")


def director_school(scope: Scope, wanted: str | None) -> School:
    """The school a director acts for: the one asked for among theirs, or their first."""
    schools = list(director_schools(scope))
    if not schools:
        raise PermissionDenied
    if wanted:
        chosen = next((s for s in schools if str(s.pk) == str(wanted)), None)
        if chosen is None:
            raise Http404
        return chosen
    return schools[0]


def staff_schools(scope: Scope) -> QuerySet[School]:
    """Schools offered in the staff list's school filter (those in scope)."""
    return school_list(scope).order_by("code")


def staff_school(scope: Scope, school_id) -> School:
    try:
        school_id = int(school_id)
    except (TypeError, ValueError):
        raise Http404 from None
    school = staff_schools(scope).filter(pk=school_id).first()
    if school is None:
        raise Http404
    return school


def staff_accounts(scope: Scope, school: School) -> QuerySet[StaffMember]:
    """The school's teachers and administrative staff with their account, for the director's
    accounts page (who has one, who will get one)."""
    if not scope.manages_school(school.pk):
        raise PermissionDenied
    return (
        StaffMember.objects.filter(
            pk__in=Posting.objects.filter(school=school).values("staff_id"),
            kind__in=[StaffMember.Kind.TEACHER, StaffMember.Kind.ADMIN],
        )
        .select_related("user")
        .order_by("last_name_fr", "first_name_fr", "pk")
    )
