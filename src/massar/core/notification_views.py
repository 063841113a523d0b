"""The user's notifications page: newest first, paginated, unread ones highlighted, mark one
or all as read; and the navbar's unread badge.

The badge is fetched by htmx once the page has loaded (base.html), not computed while
rendering every page: pages keep their query count, and the count costs one small capped
query in its own request."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from massar.core import notifications as service
from massar.core.paging import CappedPaginator

PAGE_SIZE = 25


@login_required
def notification_list(request):
    page = CappedPaginator(service.notifications_for(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "core/notifications.html", {"page": page})


@require_POST
@login_required
def notification_read(request, notification_id: int):
    """Marks one notification read, then follows its link when it has a safe one."""
    notification = service.notification_mark_read(
        user=request.user, notification_id=notification_id
    )
    target = notification.url if request.POST.get("follow") else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("core:notifications")


@require_POST
@login_required
def notifications_read_all(request):
    service.notifications_mark_all_read(user=request.user)
    return redirect("core:notifications")


@login_required
def notifications_badge(request):
    """The navbar's unread count (an empty span when there is none). Rendered without the
    page context processors: the fragment needs none of their queries."""
    return HttpResponse(
        render_to_string(
            "core/_notifications_badge.html",
            {
                "unread": service.notifications_unread_count(request.user),
                "cap": service.UNREAD_CAP,
            },
        )
    )
