"""WSGI entry point used by gunicorn (``waypoint serve``)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waypoint.settings")
application = get_wsgi_application()


def settle() -> None:
    """Load what every request needs, then set the process's long-lived objects aside from
    the garbage collector.

    A web process holds some 350,000 objects that live as long as it does (modules, models,
    URL patterns, translations). Python's full collection walks every one of them, and it
    comes round every so often in the middle of a request: 140 to 240 ms in which that
    request waits (one page in fifteen of the bench took 150 to 230 ms where its median was
    13 to 38). Frozen once loaded, they are not walked again; what a request leaves behind
    is still collected."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    get_resolver().reverse_dict  # noqa: B018 - the URL patterns, compiled
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            translation.gettext("Save")  # the language's catalogue, loaded
    gc.collect()
    gc.freeze()


settle()
