from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import queue
from .models import Event, Job


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "workspace", "created_at"]
    list_filter = ["name"]
    readonly_fields = ["workspace", "name", "payload", "created_at", "request_id"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "attempts", "run_after", "finished_at", "workspace"]
    list_filter = ["status", "kind"]
    readonly_fields = [f.name for f in Job._meta.fields]
    actions = ["run_again"]

    @admin.action(description=_("Run the failed jobs again"))
    def run_again(self, request, queryset):
        jobs = list(queryset.filter(status=Job.Status.FAILED))
        for job in jobs:
            queue.retry(job)
        self.message_user(
            request,
            ngettext("%(n)d job will run again.", "%(n)d jobs will run again.", len(jobs))
            % {"n": len(jobs)},
            messages.SUCCESS,
        )
