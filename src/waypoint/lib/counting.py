"""Counting rows only as far as a page needs to know."""

from __future__ import annotations

from django.db.models import QuerySet


def count_up_to(queryset: QuerySet, most: int) -> int:
    """How many rows ``queryset`` holds, counted no further than ``most + 1``: ``COUNT(*)``
    over a ``LIMIT``, without the queryset's ordering (a count that sorts reads every row
    first). A result above ``most`` means "more than ``most``"."""
    return queryset.order_by()[: most + 1].count()
