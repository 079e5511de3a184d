from django.urls import path

from . import views

app_name = "integrations"

urlpatterns = [
    path("kpis/<int:pk>/source/", views.kpi_source, name="kpi_source"),
    path("notifications/", views.notification_prefs, name="notifications"),
    path("settings/webhooks/", views.webhooks, name="webhooks"),
    path("settings/webhooks/<int:pk>/delete/", views.webhook_delete, name="webhook_delete"),
]
