from django.urls import path

from . import views

app_name = "coach"

# Mounted under /w/<slug>/.
urlpatterns = [
    path("coach/check/", views.check, name="check"),
    path("coach/maturity/", views.maturity_page, name="maturity"),
    path("coach/settings/", views.coach_settings, name="settings"),
    path("cycles/<int:pk>/retro/", views.retro, name="retro"),
    path("cycles/<int:pk>/review/", views.review, name="review"),
    path("cycles/<int:pk>/findings/", views.findings, name="findings"),
    path("cycles/<int:pk>/close/", views.close, name="close"),
    path("cycles/<int:pk>/reopen/", views.reopen, name="reopen"),
    path("objectives/<int:pk>/grade/", views.grade, name="grade"),
    path("objectives/<int:pk>/carry/", views.carry, name="carry"),
    path(
        "initiatives/<int:pk>/to-objective/",
        views.initiative_to_objective,
        name="initiative_to_objective",
    ),
    path("krs/<int:pk>/split/", views.split, name="split"),
]
