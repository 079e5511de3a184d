"""A workspace's data version, and reads cached under it.

Every service writes an audit row in the transaction of its change, so the newest audit row
of a workspace names the version of its data: it moves exactly when a write commits, and
reading it is one indexed lookup. An expensive read whose inputs are the workspace's data
(the coach's review of a whole cycle) is cached in the shared cache under that version: it
is computed once per change instead of once per request, and never served stale.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.utils import translation

from .models import AuditEntry, Workspace

T = TypeVar("T")
TIMEOUT = 24 * 3600


def current(workspace: Workspace) -> int:
    """The id of the workspace's newest audit row (0 before any)."""
    latest = (
        AuditEntry.objects.filter(workspace=workspace)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return latest or 0


def cached(workspace: Workspace, name: str, compute: Callable[[], T]) -> T:
    """``compute()``, cached for this version of the workspace's data and this language."""
    key = f"wsv:{workspace.pk}:{current(workspace)}:{translation.get_language()}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value
