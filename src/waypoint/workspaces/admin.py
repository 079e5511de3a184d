from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import (
    ApiToken,
    AuditEntry,
    DirectoryToken,
    IdempotencyKey,
    Invitation,
    Member,
    RateCount,
    SsoConnection,
    Team,
    User,
    Workspace,
)


class AuditedAdmin(admin.ModelAdmin):
    """Operators' edits in the admin leave the same audit rows as the services' writes."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def _workspace(self, obj):
        return obj if isinstance(obj, Workspace) else getattr(obj, "workspace", None)

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        self._pending = (obj, before, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj, before, change = self._pending
        after = audit.snapshot(obj)
        if before != after:
            action = f"{obj._meta.model_name}.{'update' if change else 'create'}"
            audit.record(
                workspace=self._workspace(obj),
                actor=request.user,
                action=f"admin.{action}",
                obj=obj,
                before=before,
                after=after,
            )

    def delete_model(self, request, obj):
        audit.record(
            workspace=self._workspace(obj),
            actor=request.user,
            action=f"admin.{obj._meta.model_name}.delete",
            obj=obj,
            before=audit.snapshot(obj),
        )
        super().delete_model(request, obj)


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name",)}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(AuditedAdmin):
    list_display = ["name", "slug", "time_zone", "language", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MemberInline]


@admin.register(Member)
class MemberAdmin(AuditedAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role", "workspace"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "workspace"]
    autocomplete_fields = ["user", "workspace"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "workspace", "parent", "lead"]
    list_filter = ["workspace"]
    search_fields = ["name"]
    list_select_related = ["workspace", "parent", "lead__user"]
    autocomplete_fields = ["workspace", "parent", "lead", "members"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail is evidence: operators read it, nobody edits it."""

    list_display = ["created_at", "workspace", "actor", "action", "object_repr"]
    list_filter = ["action", "workspace"]
    search_fields = ["object_repr", "action", "actor__email"]
    list_select_related = ["workspace", "actor"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(AuditedAdmin):
    list_display = ["email", "workspace", "role", "created_at", "accepted_at", "revoked_at"]
    list_filter = ["role", "workspace"]
    search_fields = ["email"]
    list_select_related = ["workspace"]
    exclude = ["token"]  # the token is the key to join: never shown
    readonly_fields = ["invited_by", "created_at", "accepted_at"]

    def has_add_permission(self, request):
        return False  # invitations are sent from the workspace settings, which mail the link


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    """Tokens are made and revoked in the workspace settings; operators can revoke here."""

    list_display = ["name", "workspace", "member", "scope", "prefix", "last_used_at", "revoked_at"]
    list_filter = ["scope", "workspace"]
    exclude = ["digest"]
    readonly_fields = ["prefix", "member", "workspace", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(DirectoryToken)
class DirectoryTokenAdmin(AuditedAdmin):
    """SCIM tokens are made in a workspace's security settings; operators can revoke here."""

    list_display = ["workspace", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["digest"]
    readonly_fields = ["prefix", "workspace", "created_by", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(SsoConnection)
class SsoConnectionAdmin(AuditedAdmin):
    """Single sign-on is set up by the workspace's admins; operators can see and remove it."""

    list_display = ["name", "workspace", "issuer", "domains", "required"]
    exclude = ["secret"]
    readonly_fields = ["workspace", "issuer", "client_id", "domains", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ["key", "path", "workspace", "status", "created_at"]
    readonly_fields = ["workspace", "key", "path", "status", "response", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RateCount)
class RateCountAdmin(admin.ModelAdmin):
    """Rate-limit counters: to see who is being limited, or to lift a limit by deleting it."""

    list_display = ["key", "count", "expires"]
    ordering = ["-expires"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
