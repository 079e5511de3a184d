from django.contrib import admin
from django.db import models

from waypoint.workspaces.admin import AuditedAdmin

from .models import Delivery, Webhook


@admin.register(Webhook)
class WebhookAdmin(AuditedAdmin):
    list_display = ["url", "workspace", "active", "created_at"]
    list_filter = ["active", "workspace"]
    autocomplete_fields = ["workspace"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "webhook", "status", "status_code", "attempts", "created_at"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False
