from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectorsConfig(AppConfig):
    name = "waypoint.connectors"
    label = "connectors"
    verbose_name = _("Data sources")
