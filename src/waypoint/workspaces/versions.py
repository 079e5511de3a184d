"""A workspace's data version, and reads cached under it.

Every service writes an audit row in the transaction of its change, so the newest audit row
of a workspace names the version of its data: it moves exactly when a write commits, and
reading it is one indexed lookup. An expensive read whose inputs are the workspace's data
(the coach's review of a whole cycle) is cached under that version: computed once per
change instead of once per request, and never served stale.

A read that does not depend on progress (``models.PROGRESS_ACTIONS``) says so, so that the
check-ins and data points arriving all day do not make it recompute: the coach judges how
OKRs are written. An index of the rows that are not progress answers that version at once.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.utils import translation
from redis.exceptions import RedisError

from .models import PROGRESS_ACTIONS, AuditEntry, Workspace

T = TypeVar("T")
TIMEOUT = 24 * 3600
# Also kept in the process, decoded: a key names one version, so an entry is never stale.
MEMO_SIZE = 4
_memo: OrderedDict[str, object] = OrderedDict()
_lock = threading.Lock()


def forget() -> None:
    """Empty this process's copies (tests do, between databases)."""
    with _lock:
        _memo.clear()


# The condition of the index of rows that are not progress (models.NOT_PROGRESS), with its
# values written in: SQLite uses a partial index only for a query that states its condition
# with the same values, and a bound parameter is not one (``%%`` is ``%`` once the driver
# has put the workspace in). A test checks that both databases plan the lookup on it.
_NOT_PROGRESS_SQL = " AND ".join(
    "NOT (\"action\" LIKE '{}%%' ESCAPE '\\')".format(prefix.replace("_", "\\_"))
    for prefix in PROGRESS_ACTIONS
)


def newest(workspace: Workspace, *, without_progress: bool = False):
    """The workspace's audit rows, newest first; ``without_progress``, those that do not
    record progress."""
    rows = AuditEntry.objects.filter(workspace=workspace)
    if without_progress:
        # Constant text of our own, no input in it.
        rows = rows.filter(RawSQL(_NOT_PROGRESS_SQL, (), output_field=BooleanField()))  # noqa: S611
    return rows.order_by("-id")


def current(workspace: Workspace, *, without_progress: bool = False) -> int:
    """The id of the workspace's newest audit row (0 before any); ``without_progress``, its
    newest that does not record progress."""
    rows = newest(workspace, without_progress=without_progress)
    return rows.values_list("id", flat=True).first() or 0


def cached(
    workspace: Workspace, name: str, compute: Callable[[], T], *, without_progress: bool = False
) -> T:
    """``compute()``, cached for this version of the workspace's data and this language."""
    version = current(workspace, without_progress=without_progress)
    # The creation time tells a workspace from an earlier one that had its id (a database
    # rebuilt beside a cache that outlived it).
    born = int(workspace.created_at.timestamp() * 1000) if workspace.created_at else 0
    key = f"wsv:{workspace.pk}.{born}:{version}:{translation.get_language()}:{name}"
    with _lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]  # type: ignore[return-value]
    try:
        value = cache.get(key)
    except RedisError:  # the shared cache is down: compute, the page still answers
        value = None
    if value is None:
        value = compute()
        with contextlib.suppress(RedisError):
            cache.set(key, value, TIMEOUT)
    with _lock:
        _memo[key] = value
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return value
