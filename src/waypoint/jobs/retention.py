"""What is kept, and for how long: rows that only grow (sessions, idempotency keys, webhook
deliveries, the audit trail, finished jobs and their events) are deleted once they are older
than the operator's setting, by one periodic job, in chunks so that no delete holds a lock
for long.

Each app declares its own rows with ``keep``; the days come from ``settings.RETAIN``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

CHUNK = 5_000


@dataclass(frozen=True)
class Rule:
    label: str
    setting: str  # the key of settings.RETAIN: days to keep ("": the rows' owner says)
    rows: Callable[[dt.datetime], QuerySet]  # the rows older than the cut-off


RULES: list[Rule] = []


def keep(label: str, setting: str, rows: Callable[[dt.datetime], QuerySet]) -> None:
    """Declare that ``rows(cutoff)`` may go once they are ``settings.RETAIN[setting]`` days
    old (0 or less keeps them for ever)."""
    if all(rule.label != label for rule in RULES):
        RULES.append(Rule(label, setting, rows))


def keep_by_owner(label: str, rows: Callable[[dt.datetime], QuerySet]) -> None:
    """Declare rows whose owner chose how long they stay (a workspace's audit trail):
    ``rows(now)`` are those past their owner's time."""
    if all(rule.label != label for rule in RULES):
        RULES.append(Rule(label, "", rows))


def prune(now: dt.datetime | None = None, chunk: int = CHUNK) -> dict[str, int]:
    """Delete what is past its time; how many rows of each kind went."""
    now = now or timezone.now()
    deleted = {}
    for rule in RULES:
        if rule.setting:
            days = settings.RETAIN.get(rule.setting, 0)
            if days <= 0:
                continue
            old = rule.rows(now - dt.timedelta(days=days))
        else:
            old = rule.rows(now)
        model = old.model
        total = 0
        while ids := list(old.order_by().values_list("pk", flat=True)[:chunk]):
            with transaction.atomic():
                model.objects.filter(pk__in=ids).delete()
            total += len(ids)
        deleted[rule.label] = total
    return deleted
