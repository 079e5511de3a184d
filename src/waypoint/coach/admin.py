from django.contrib import admin

from waypoint.workspaces.admin import AuditedAdmin

from .models import CoachSettings


@admin.register(CoachSettings)
class CoachSettingsAdmin(AuditedAdmin):
    list_display = ["workspace", "min_krs", "max_krs", "max_objectives"]
    autocomplete_fields = ["workspace"]
