"""API of the caller's own notifications (mounted under /api/v1/notifications/)."""

from datetime import datetime

from ninja import Router, Schema

from massar.core import notifications as service
from massar.core.paging import CappedPaginator

router = Router(tags=["notifications"])
PAGE_SIZE = 50


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationPageOut(Schema):
    count: int
    capped: bool
    unread: int  # capped at 100 ("99+")
    page: int
    pages: int | None
    items: list[NotificationOut]


class ReadAllOut(Schema):
    marked: int


@router.get("/", response=NotificationPageOut)
def notification_list(request, page: int = 1, unread: bool = False):
    qs = service.notifications_for(request.user)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    paginator = CappedPaginator(qs, PAGE_SIZE)
    current = paginator.get_page(page)
    return {
        "count": paginator.count,
        "capped": paginator.is_capped,
        "unread": service.notifications_unread_count(request.user),
        "page": current.number,
        "pages": None if paginator.is_capped else paginator.num_pages,
        "items": list(current),
    }


@router.post("/{int:notification_id}/read", response=NotificationOut)
def notification_read(request, notification_id: int):
    return service.notification_mark_read(user=request.user, notification_id=notification_id)


@router.post("/read-all", response=ReadAllOut)
def notifications_read_all(request):
    return {"marked": service.notifications_mark_all_read(user=request.user)}
