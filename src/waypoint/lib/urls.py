"""URLs for long lists: reversed once a page, not once a row."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse


def before_id(name: str, *args) -> str:
    """The URL ``name`` for ``args`` and an id, up to the id: each row's id then goes on the
    end (``f"{prefix}{pk}/"``), one ``reverse`` a page instead of one a row (Django's takes
    25 to 40 µs)."""
    url = reverse(name, args=[*args, 0])
    if not url.endswith("/0/"):
        raise ImproperlyConfigured(f"{name} must end with the id: {url}")
    return url[:-2]
