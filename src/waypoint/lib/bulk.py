"""Writing many rows at once, the fastest way each database offers.

SQLite runs in the process: ``executemany`` of a prepared statement is already the fast
path there. PostgreSQL answers each statement over the wire, so rows go in by ``COPY`` and
updates as one ``UPDATE … FROM unnest(arrays)`` per batch: a few round trips instead of
one per row. ``COPY`` travels in the binary format with the columns' own types, read from
the catalogue: the driver then packs each value without looking up how to, eight times
faster than the text format (100,000 KPI points: 0.05 s instead of 0.4). Callers inside
``transaction.atomic`` keep all or nothing on both.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

BATCH = 10_000  # rows per PostgreSQL statement: bounded memory, few round trips


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def insert(table: str, columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    """INSERT ``rows`` (values in the order of ``columns``) into ``table``."""
    if not rows:
        return
    q = connection.ops.quote_name
    names = ", ".join(q(c) for c in columns)
    with connection.cursor() as cursor:
        if _postgres():
            types = _column_types(cursor, table, columns)
            with cursor.cursor.copy(
                f"COPY {q(table)} ({names}) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {q(table)} ({names}) VALUES ({marks})", rows)  # noqa: S608


def _column_types(cursor, table: str, columns: Sequence[str]) -> list[int]:
    """The type of each of ``table``'s ``columns``, as PostgreSQL's type ids."""
    cursor.execute(
        "SELECT attname, atttypid FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
        [connection.ops.quote_name(table)],
    )
    found = dict(cursor.fetchall())
    return [found[c] for c in columns]


def update(
    table: str,
    columns: Sequence[tuple[str, str]],
    keys: Sequence[tuple[str, str]],
    rows: Sequence[Sequence],
) -> None:
    """UPDATE ``table`` SET each of ``columns`` WHERE each of ``keys`` matches, one row of
    values per row to change: the new values in the order of ``columns``, then the keys'.
    Columns and keys are (name, PostgreSQL type) pairs: the type names the array that
    carries the values."""
    if not rows:
        return
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        if not _postgres():
            sets = ", ".join(f"{q(name)} = %s" for name, _type in columns)
            where = " AND ".join(f"{q(name)} = %s" for name, _type in keys)
            cursor.executemany(f"UPDATE {q(table)} SET {sets} WHERE {where}", rows)  # noqa: S608
            return
        every = [*columns, *keys]
        arrays = ", ".join(f"%s::{pg_type}[]" for _name, pg_type in every)
        aliases = ", ".join(f"v{i}" for i in range(len(every)))
        sets = ", ".join(f"{q(name)} = v.v{i}" for i, (name, _t) in enumerate(columns))
        where = " AND ".join(
            f"t.{q(name)} = v.v{i}" for i, (name, _t) in enumerate(keys, start=len(columns))
        )
        sql = (
            f"UPDATE {q(table)} AS t SET {sets} "  # noqa: S608
            f"FROM unnest({arrays}) AS v({aliases}) WHERE {where}"
        )
        for offset in range(0, len(rows), BATCH):
            batch = rows[offset : offset + BATCH]
            cursor.execute(sql, [list(column) for column in zip(*batch, strict=True)])
