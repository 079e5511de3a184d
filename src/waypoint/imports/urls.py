from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("import/", views.start, name="start"),
    path("import/<int:pk>/", views.mapping, name="mapping"),
    path("import/<int:pk>/preview/", views.preview, name="preview"),
    path("import/<int:pk>/errors.csv", views.errors_csv, name="errors"),
    path("import/<int:pk>/run/", views.run, name="run"),
    path("import/<int:pk>/status/", views.status, name="status"),
]
