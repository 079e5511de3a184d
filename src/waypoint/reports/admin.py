from django.contrib import admin

from waypoint.workspaces.admin import AuditedAdmin

from .models import Dashboard, Report, ReportSchedule, ReportTemplate, ShareLink


@admin.register(Report)
class ReportAdmin(AuditedAdmin):
    list_display = ["title", "workspace", "period_start", "period_end"]
    list_filter = ["workspace"]
    search_fields = ["title"]
    autocomplete_fields = ["workspace"]


@admin.register(ShareLink)
class ShareLinkAdmin(AuditedAdmin):
    list_display = ["__str__", "kind", "expires_at", "revoked_at"]
    list_select_related = ["report"]
    exclude = ["token"]
    readonly_fields = ["workspace", "kind", "report", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ReportSchedule)
class ReportScheduleAdmin(AuditedAdmin):
    list_display = ["workspace", "active", "last_sent_on"]
    autocomplete_fields = ["workspace"]


@admin.register(ReportTemplate)
class ReportTemplateAdmin(AuditedAdmin):
    list_display = ["name", "workspace"]
    list_filter = ["workspace"]
    search_fields = ["name"]
    autocomplete_fields = ["workspace"]


@admin.register(Dashboard)
class DashboardAdmin(AuditedAdmin):
    list_display = ["name", "workspace"]
    list_filter = ["workspace"]
    search_fields = ["name"]
    exclude = ["share_key"]
    autocomplete_fields = ["workspace"]
