from django.urls import path

from . import views

app_name = "workspaces"

# Mounted under /w/<slug>/.
urlpatterns = [
    path("teams/", views.teams, name="teams"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("people/", views.people, name="people"),
    path("search/", views.search, name="search"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("settings/", views.workspace_settings, name="settings"),
    path("settings/audit/", views.audit, name="audit"),
    path("settings/audit.csv", views.audit_csv, name="audit_csv"),
    path("settings/logo/", views.workspace_logo, name="logo_upload"),
    path("logo.png", views.workspace_logo_image, name="logo"),
    path("settings/security/", views.workspace_security, name="security"),
    path("settings/members/<int:pk>/", views.member_manage, name="member"),
    path("settings/members/<int:pk>/sign-out/", views.member_sign_out, name="member_sign_out"),
    path("settings/members/<int:pk>/erase/", views.member_erase, name="member_erase"),
    path("settings/delete/", views.workspace_delete, name="delete"),
    path("settings/delete/export.gz", views.workspace_final_export, name="final_export"),
    path("settings/members/<int:pk>/role/", views.member_role, name="member_role"),
    path("settings/members/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("settings/invitations/", views.invite, name="invite"),
    path(
        "settings/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"
    ),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("settings/teams/new/", views.team_edit, name="team_create"),
    path("settings/teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("settings/teams/<int:pk>/delete/", views.team_delete, name="team_delete"),
]
