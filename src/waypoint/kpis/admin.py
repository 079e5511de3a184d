from django.contrib import admin

from waypoint.workspaces.admin import AuditedAdmin

from .models import Annotation, DataPoint, Deviation, DeviationResponse, Kpi, KpiPlan, Process


@admin.register(Process)
class ProcessAdmin(AuditedAdmin):
    list_display = ["name", "workspace"]
    list_filter = ["workspace"]
    search_fields = ["name"]
    autocomplete_fields = ["workspace"]


@admin.register(Kpi)
class KpiAdmin(AuditedAdmin):
    list_display = [
        "name",
        "workspace",
        "direction",
        "frequency",
        "aggregation",
        "target",
        "owner",
        "process",
    ]
    list_filter = ["direction", "frequency", "workspace"]
    search_fields = ["name"]
    list_select_related = ["workspace", "owner__user", "process"]
    autocomplete_fields = ["workspace", "owner", "team", "process", "serves"]


@admin.register(DataPoint)
class DataPointAdmin(AuditedAdmin):
    list_display = ["kpi", "date", "value", "updated_at"]
    list_filter = ["workspace"]
    search_fields = ["kpi__name"]
    list_select_related = ["kpi"]
    autocomplete_fields = ["workspace", "kpi", "author"]
    date_hierarchy = "date"


@admin.register(Annotation)
class AnnotationAdmin(AuditedAdmin):
    list_display = ["date", "kind", "text", "kpi", "key_result"]
    list_filter = ["kind", "workspace"]
    search_fields = ["text"]
    autocomplete_fields = ["workspace", "kpi", "key_result", "author"]


@admin.register(Deviation)
class DeviationAdmin(AuditedAdmin):
    list_display = ["kpi", "level", "opened_on", "closed_on", "response", "owner"]
    list_filter = ["level", "response", "workspace"]
    list_select_related = ["kpi", "owner__user"]
    autocomplete_fields = ["workspace", "kpi", "owner"]


@admin.register(KpiPlan)
class KpiPlanAdmin(AuditedAdmin):
    """The plans KPIs followed before a correction: history, read here, written by the
    "correct the plan" response only."""

    list_display = ["kpi", "until", "target", "warning", "critical", "replaced_by"]
    list_filter = ["workspace"]
    list_select_related = ["kpi", "replaced_by__user"]
    readonly_fields = [f.name for f in KpiPlan._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(DeviationResponse)
class DeviationResponseAdmin(AuditedAdmin):
    list_display = ["deviation", "kind", "chosen_on", "verdict", "judged_on"]
    list_filter = ["kind", "verdict", "workspace"]
    list_select_related = ["deviation__kpi"]
    readonly_fields = [f.name for f in DeviationResponse._meta.fields]

    def has_add_permission(self, request):
        return False
