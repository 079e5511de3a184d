"""Planner statistics: how many rows each table and index holds, which the database's query
planner reads to pick an index.

PostgreSQL's autovacuum keeps them by itself (``waypoint seed`` refreshes them at once after
its bulk load). SQLite keeps none until ``ANALYZE`` runs: without them it guessed, at 10,000
people, that scanning the cycle's 6,000 objectives beat reading the 50 teams of a page
through the team index, and the teams page spent 85 ms in one query instead of 1. Waypoint
refreshes them after migrating, after a bulk load and every night; on SQLite with
``analysis_limit`` (a sample per index: about 10 ms at 10,000 people, 0.2 s without it).
"""

from __future__ import annotations

from django.db import connection


def refresh(*, bulk_loaded: bool = False) -> None:
    """Refresh the planner statistics of the default database. After a bulk load (a seed, a
    restore) PostgreSQL also vacuums, outside a transaction: until its visibility map marks
    the new pages, an index-only scan reads every row from the table as well (counting a
    workspace's 2.16 million check-ins: 566 ms, and 86 ms once vacuumed)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            if bulk_loaded and not connection.in_atomic_block:
                cursor.execute("VACUUM (ANALYZE)")
            else:
                cursor.execute("ANALYZE")
