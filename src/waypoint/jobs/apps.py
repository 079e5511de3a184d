from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "waypoint.jobs"
    label = "jobs"
    verbose_name = _("Events and jobs")

    def ready(self):
        # Every process knows every kind of job and who listens to which event: a web
        # server enqueues what a worker runs.
        autodiscover_modules("tasks")
