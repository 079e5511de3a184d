from django.contrib import admin

from waypoint.workspaces.admin import AuditedAdmin

from .models import Pull, Source


@admin.register(Source)
class SourceAdmin(AuditedAdmin):
    """Data sources; their credentials are never shown (they are changed on the source's
    page, where they are typed again)."""

    list_display = ["kind", "workspace", "kpi", "key_result", "last_run_at", "failures"]
    list_filter = ["kind"]
    exclude = ["secret", "hook_digest"]
    readonly_fields = ["last_run_at", "last_error", "last_count", "failures", "next_run_at"]
    autocomplete_fields = ["workspace", "kpi", "key_result"]


@admin.register(Pull)
class PullAdmin(admin.ModelAdmin):
    list_display = ["source", "started_at", "ok", "rows", "duration_ms", "error"]
    list_filter = ["ok", "via"]
    readonly_fields = [f.name for f in Pull._meta.fields]

    def has_add_permission(self, request):
        return False
