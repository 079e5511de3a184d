from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("notifications/", views.notification_prefs, name="notifications"),
    path("settings/webhooks/", views.webhooks, name="webhooks"),
    path("settings/webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
]
