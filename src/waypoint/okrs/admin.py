from django.contrib import admin

from waypoint.workspaces.admin import AuditedAdmin

from .models import (
    CheckIn,
    CheckInPulse,
    Comment,
    Contribution,
    Cycle,
    CycleReview,
    Dependency,
    Initiative,
    KeyResult,
    Objective,
    Retrospective,
)


@admin.register(Cycle)
class CycleAdmin(AuditedAdmin):
    list_display = ["name", "workspace", "kind", "start", "end", "parent", "is_current", "status"]
    list_filter = ["kind", "status", "is_current", "workspace"]
    search_fields = ["name"]
    list_select_related = ["workspace", "parent"]
    autocomplete_fields = ["workspace", "parent"]


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    extra = 0
    fields = ["title", "type", "start", "target", "unit", "scoring", "weight", "owner", "position"]
    autocomplete_fields = ["owner"]


@admin.register(Objective)
class ObjectiveAdmin(AuditedAdmin):
    list_display = ["title", "workspace", "cycle", "level", "kind", "owner", "status", "private"]
    list_filter = ["level", "kind", "status", "private", "workspace"]
    search_fields = ["title", "why", "ref"]
    list_select_related = ["workspace", "cycle", "owner__user"]
    autocomplete_fields = ["workspace", "cycle", "owner", "parent", "teams"]
    inlines = [KeyResultInline]


class CheckInInline(admin.TabularInline):
    """Check-ins are append-only: shown here, never edited."""

    model = CheckIn
    extra = 0
    fields = ["date", "value", "confidence", "comment", "author", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(KeyResult)
class KeyResultAdmin(AuditedAdmin):
    list_display = ["title", "objective", "type", "start", "target", "unit", "scoring", "owner"]
    list_filter = ["type", "scoring", "driven_by_children", "workspace"]
    search_fields = ["title", "objective__title"]
    list_select_related = ["objective", "owner__user"]
    autocomplete_fields = ["workspace", "objective", "owner", "team"]
    inlines = [CheckInInline]


@admin.register(CheckIn)
class CheckInAdmin(AuditedAdmin):
    """Append-only: operators may add a check-in, never change or delete one."""

    list_display = ["key_result", "date", "value", "confidence", "author", "created_at"]
    list_filter = ["confidence", "workspace"]
    search_fields = ["key_result__title", "comment"]
    list_select_related = ["key_result", "author__user"]
    autocomplete_fields = ["workspace", "key_result", "author"]
    date_hierarchy = "date"

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Initiative)
class InitiativeAdmin(AuditedAdmin):
    list_display = ["title", "key_result", "status", "owner", "created_at"]
    list_filter = ["status", "workspace"]
    search_fields = ["title"]
    list_select_related = ["key_result", "owner__user"]
    autocomplete_fields = ["workspace", "key_result", "owner"]


@admin.register(Comment)
class CommentAdmin(AuditedAdmin):
    list_display = ["objective", "author", "created_at"]
    list_filter = ["workspace"]
    search_fields = ["body", "objective__title"]
    list_select_related = ["objective", "author__user"]
    autocomplete_fields = ["workspace", "objective", "author"]


@admin.register(Retrospective)
class RetrospectiveAdmin(AuditedAdmin):
    list_display = ["objective", "grade", "suggested_grade", "graded_by", "graded_at"]
    list_select_related = ["objective", "graded_by__user"]
    search_fields = ["objective__title", "what_worked", "what_did_not", "learned"]
    autocomplete_fields = ["workspace", "objective", "graded_by"]


@admin.register(CycleReview)
class CycleReviewAdmin(AuditedAdmin):
    list_display = ["cycle", "held_on"]
    list_select_related = ["cycle"]
    autocomplete_fields = ["workspace", "cycle"]


@admin.register(CheckInPulse)
class CheckInPulseAdmin(AuditedAdmin):
    list_display = ["member", "week", "useful", "changed_plan"]
    list_filter = ["workspace", "useful"]
    readonly_fields = [f.name for f in CheckInPulse._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Dependency)
class DependencyAdmin(AuditedAdmin):
    """Read here; written on the objective's page, where circles are refused."""

    list_display = ["objective", "blocked_by", "note", "created_at"]
    list_filter = ["workspace"]
    list_select_related = ["objective", "blocked_by"]
    readonly_fields = [f.name for f in Dependency._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Contribution)
class ContributionAdmin(AuditedAdmin):
    """Read here; written on the objective's page, where circles are refused and scores
    follow."""

    list_display = ["objective", "parent", "weight", "created_at"]
    list_filter = ["workspace"]
    list_select_related = ["objective", "parent"]
    readonly_fields = [f.name for f in Contribution._meta.fields]

    def has_add_permission(self, request):
        return False
