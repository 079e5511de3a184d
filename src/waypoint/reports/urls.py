from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("reports/", views.reports, name="list"),
    path("reports/schedule/", views.schedule, name="schedule"),
    path("reports/templates/", views.template_create, name="template_create"),
    path("reports/templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("reports/<int:pk>/", views.detail, name="detail"),
    path("reports/<int:pk>/pdf/", views.pdf, name="pdf"),
    path("reports/<int:pk>/share/", views.share, name="share"),
    path("reports/dashboard-links/", views.share_dashboard, name="share_dashboard"),
    path("share-links/<int:pk>/revoke/", views.unshare, name="unshare"),
    path("dashboards/", views.dashboards_list, name="dashboards"),
    path("dashboards/<int:pk>/", views.dashboard_view, name="dashboard"),
    path("dashboards/<int:pk>/wall/", views.dashboard_wall, name="dashboard_wall"),
]
