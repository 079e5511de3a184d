from django.urls import path

from . import views

app_name = "kpis"

# Mounted under /w/<slug>/.
urlpatterns = [
    path("kpis/", views.board, name="board"),
    path("kpis/processes/", views.processes, name="processes"),
    path("kpis/responses/", views.responses, name="responses"),
    path("kpis/templates/", views.templates, name="templates"),
    path("kpis/new/", views.kpi_create, name="create"),
    path("kpis/derive/", views.derive, name="derive"),
    path("kpis/<int:pk>/", views.kpi_detail, name="detail"),
    path("kpis/<int:pk>/edit/", views.kpi_edit, name="edit"),
    path("kpis/<int:pk>/points/", views.kpi_points, name="points"),
    path("kpis/<int:pk>/delete/", views.kpi_delete, name="delete"),
    path("kpis/<int:pk>/data/", views.data_add, name="data_add"),
    path("kpis/<int:pk>/data/paste/", views.data_paste, name="data_paste"),
    path("kpis/<int:pk>/data/upload/", views.data_upload, name="data_upload"),
    path("kpis/<int:pk>/data/confirm/", views.data_confirm, name="data_confirm"),
    path("kpis/<int:pk>/annotations/", views.annotation_create, name="annotation_create"),
    path("kpis/<int:pk>/promote/", views.kpi_promote, name="promote"),
    path("deviations/<int:pk>/respond/", views.deviation_respond, name="deviation_respond"),
    path("krs/<int:pk>/annotations/", views.kr_annotation_create, name="kr_annotation_create"),
    path("krs/<int:pk>/keep-level/", views.keep_level, name="keep_level"),
]
