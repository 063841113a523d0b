"""The Django admin, open to ministry administrators only (superusers holding the ministry
role), and only after the second factor."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from massar.core.models import AuditEntry, Job, Role, RoleAssignment, User
from massar.core.scopes import scope_for


class MassarAdminSite(admin.AdminSite):
    site_header = "Massar"

    def has_permission(self, request):
        user = request.user
        return (
            user.is_active
            and user.is_superuser
            and Role.MINISTRY in scope_for(user).roles
            and request.session.get("second_factor", False)
        )


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["academy", "directorate", "school"]


class MassarUserAdmin(UserAdmin):
    inlines = [RoleInline]
    list_display = ["username", "first_name", "last_name", "is_active", "totp_enabled"]
    search_fields = ["username", "first_name", "last_name"]


class AuditAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "client_address"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


site = MassarAdminSite(name="admin")
site.register(User, MassarUserAdmin)
site.register(AuditEntry, AuditAdmin)
site.register(Job)
