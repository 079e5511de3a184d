from django.contrib import admin

from waypoint.workspaces.admin import AuditedAdmin

from .models import (
    Delivery,
    InboundMail,
    Notification,
    NotificationPrefs,
    NotificationRun,
    PushSubscription,
    SlackLink,
    SlackUser,
    Webhook,
)


@admin.register(Webhook)
class WebhookAdmin(AuditedAdmin):
    list_display = ["url", "workspace", "active", "created_at"]
    list_filter = ["active", "workspace"]
    autocomplete_fields = ["workspace"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event", "webhook", "status", "status_code", "attempts", "created_at"]
    list_filter = ["status", "event"]
    readonly_fields = [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(NotificationPrefs)
class NotificationPrefsAdmin(AuditedAdmin):
    list_display = ["member", "channels"]
    autocomplete_fields = ["member"]


@admin.register(Notification)
class NotificationAdmin(AuditedAdmin):
    list_display = ["recipient", "kind", "text", "created_at", "read_at"]
    list_filter = ["kind", "workspace"]
    list_select_related = ["recipient__user"]
    autocomplete_fields = ["workspace", "recipient", "actor"]


@admin.register(NotificationRun)
class NotificationRunAdmin(admin.ModelAdmin):
    list_display = ["workspace", "kind", "week", "created_at"]
    readonly_fields = ["workspace", "kind", "week", "sent", "created_at"]


@admin.register(SlackLink)
class SlackLinkAdmin(admin.ModelAdmin):
    """Which Slack team each workspace linked; the bot token is never shown (an admin links
    again from the workspace's settings to change it)."""

    list_display = ["workspace", "team_name", "team_id", "created_at"]
    exclude = ["bot_token_secret"]
    readonly_fields = [
        "workspace",
        "team_id",
        "team_name",
        "bot_user_id",
        "linked_by",
        "created_at",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(SlackUser)
class SlackUserAdmin(admin.ModelAdmin):
    list_display = ["member", "slack_user_id", "workspace"]
    list_select_related = ["member__user", "workspace"]
    autocomplete_fields = ["member", "workspace"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["member", "user_agent", "created_at", "last_error"]
    list_select_related = ["member__user"]
    readonly_fields = ["member", "endpoint", "p256dh", "auth", "user_agent", "created_at"]

    def has_add_permission(self, request):
        return False


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    list_display = ["message_id", "member", "recorded", "problems", "received_at"]
    readonly_fields = [f.name for f in InboundMail._meta.fields]

    def has_add_permission(self, request):
        return False
