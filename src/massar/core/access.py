"""View decorators that check the user's roles (objects are further scoped by selectors)."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from massar.core.scopes import scope_for


def role_required(*roles: str):
    """Signed-in users holding one of `roles`; the scope is passed to the view as `scope`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            scope = scope_for(request.user)
            if roles and not scope.has(*roles):
                raise PermissionDenied
            return view(request, *args, scope=scope, **kwargs)

        return wrapped

    return decorator
