from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkspacesConfig(AppConfig):
    name = "waypoint.workspaces"
    label = "workspaces"
    verbose_name = _("Workspaces")

    def ready(self):
        from waypoint.lib import folding  # noqa: F401 - registers the SQLite fold function

        from . import security, sso

        security.connect()
        sso.connect()
