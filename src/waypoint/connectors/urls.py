from django.urls import path

from . import views

app_name = "connectors"

urlpatterns = [
    path("sources/", views.source_list, name="sources"),
    path("sources/new/", views.source_new, name="new"),
    path("sources/<int:pk>/", views.source_detail, name="source"),
    path("sources/<int:pk>/connect/", views.oauth_start, name="oauth_start"),
]
