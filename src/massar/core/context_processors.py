from massar.core.navigation import navigation_for
from massar.core.notifications import notifications_unread_count
from massar.core.scopes import primary_role, scope_for


def massar(request):
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        # called by the template only where it shows the badge (base.html, once, in a
        # {% with %}): one small capped COUNT per page, none for pages without it
        "notifications_unread": lambda: notifications_unread_count(user),
        "scope": scope,
        "primary_role": primary_role(scope),
        "nav_items": navigation_for(scope),
    }
