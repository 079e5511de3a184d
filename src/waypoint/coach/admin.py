from django.contrib import admin

from waypoint.workspaces.admin import AuditedAdmin

from .models import CoachSettings, MaturityDiagnosis, MaturityStep


@admin.register(CoachSettings)
class CoachSettingsAdmin(AuditedAdmin):
    list_display = ["workspace", "min_krs", "max_krs", "max_objectives"]
    autocomplete_fields = ["workspace"]


@admin.register(MaturityDiagnosis)
class MaturityDiagnosisAdmin(AuditedAdmin):
    list_display = ["workspace", "taken_on", "stage"]
    list_filter = ["workspace"]
    readonly_fields = [f.name for f in MaturityDiagnosis._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(MaturityStep)
class MaturityStepAdmin(AuditedAdmin):
    list_display = ["workspace", "text", "first_seen", "done_on", "met_on"]
    list_filter = ["workspace"]
