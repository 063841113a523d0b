from massar.core.navigation import navigation_for
from massar.core.scopes import primary_role, scope_for


def massar(request):
    scope = scope_for(getattr(request, "user", None))
    return {
        "scope": scope,
        "primary_role": primary_role(scope),
        "nav_items": navigation_for(scope),
    }
