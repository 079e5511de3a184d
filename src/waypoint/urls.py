from django.contrib import admin
from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.generic import RedirectView


def healthz(request):
    """Liveness for load balancers: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


admin.site.site_header = "Waypoint operators"
admin.site.site_title = "Waypoint operators"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
