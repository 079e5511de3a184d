from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("notifications/", views.notification_prefs, name="notifications"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.notifications_read_all, name="inbox_read"),
    path("inbox/<int:pk>/", views.notification_open, name="notification"),
    path("alerts/", views.alerts_moved, name="alerts"),
    path("notifications/push/", views.push_subscribe, name="push_subscribe"),
    path("notifications/push/off/", views.push_unsubscribe, name="push_unsubscribe"),
    path("settings/slack/", views.slack_settings, name="slack"),
    path("settings/webhooks/", views.webhooks, name="webhooks"),
    path("settings/webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
]
