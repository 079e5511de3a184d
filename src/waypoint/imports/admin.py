from django.contrib import admin

from waypoint.workspaces.admin import AuditedAdmin

from .models import Upload


@admin.register(Upload)
class UploadAdmin(AuditedAdmin):
    """Read-only: an import is made in the app, where its rows are checked."""

    list_display = ["filename", "workspace", "kind", "status", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "workspace",
        "created_by",
        "kind",
        "filename",
        "cycle",
        "kpi",
        "mapping",
        "status",
        "result",
        "created_at",
        "finished_at",
    ]

    def has_add_permission(self, request):
        return False
