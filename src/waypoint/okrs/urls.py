from django.urls import path

from . import views

app_name = "okrs"

# Mounted under /w/<slug>/: every view resolves the workspace from the slug.
urlpatterns = [
    path("", views.home, name="home"),
    path("checkin/", views.checkin_list, name="checkin"),
    path("start/examples/", views.starters, name="starters"),
    path("start/hide/", views.setup_hide, name="setup_hide"),
    path("krs/<int:pk>/checkin/", views.checkin_create, name="checkin_create"),
    path("checkin/pulse/", views.pulse, name="pulse"),
    path("overview/", views.overview_current, name="overview_current"),
    path("cycles/", views.cycles, name="cycles"),
    path("cycles/year/", views.cycle_create_year, name="cycle_create_year"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.overview, name="overview"),
    path("cycles/<int:pk>/tree/", views.tree, name="tree"),
    path("cycles/<int:pk>/map.json", views.tree_map, name="tree_map"),
    path("cycles/<int:pk>/teams/<int:team_pk>/", views.overview_team, name="overview_team"),
    path("cycles/<int:pk>/tree/<int:objective_pk>/", views.tree_branch, name="tree_branch"),
    path("cycles/<int:pk>/export/<str:fmt>/", views.cycle_export, name="cycle_export"),
    path("cycles/<int:pk>/present/", views.present, name="present"),
    path("cycles/<int:pk>/current/", views.cycle_set_current, name="cycle_set_current"),
    path("cycles/<int:cycle_pk>/objectives/new/", views.objective_create, name="objective_create"),
    path("objectives/<int:pk>/", views.objective_detail, name="objective"),
    path("objectives/<int:pk>/edit/", views.objective_edit, name="objective_edit"),
    path("objectives/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("objectives/<int:pk>/krs/new/", views.kr_create, name="kr_create"),
    path("objectives/<int:pk>/krs/order/", views.kr_reorder, name="kr_reorder"),
    path("objectives/<int:pk>/move/", views.objective_move, name="objective_move"),
    path("objectives/<int:pk>/copy/", views.objective_copy, name="objective_copy"),
    path("objectives/<int:pk>/propose/", views.objective_propose, name="objective_propose"),
    path("objectives/<int:pk>/review/", views.objective_review, name="objective_review"),
    path("objectives/<int:pk>/archive/", views.objective_archive, name="objective_archive"),
    path("objectives/<int:pk>/delete/", views.objective_delete, name="objective_delete"),
    path("krs/fields/", views.kr_form_fields, name="kr_fields"),
    path("krs/<int:pk>/edit/", views.kr_edit, name="kr_edit"),
    path("krs/<int:pk>/history/", views.kr_history, name="kr_history"),
    path("krs/<int:pk>/delete/", views.kr_delete, name="kr_delete"),
    path("krs/<int:pk>/move/<str:direction>/", views.kr_move, name="kr_move"),
    path("krs/<int:pk>/initiatives/new/", views.initiative_create, name="initiative_create"),
    path("initiatives/<int:pk>/", views.initiative_edit, name="initiative_edit"),
    path("initiatives/<int:pk>/done/", views.initiative_done, name="initiative_done"),
    path("initiatives/<int:pk>/delete/", views.initiative_delete, name="initiative_delete"),
]
