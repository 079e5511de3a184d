"""Bulk writes (COPY and UPDATE … FROM unnest on PostgreSQL, executemany on SQLite) write
exactly the rows given, NULLs included, and nothing else."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from waypoint.kpis.models import DataPoint, Kpi
from waypoint.lib import bulk
from waypoint.okrs import services as okr
from waypoint.okrs.models import KeyResult


def test_update_writes_values_and_nulls_by_key(objective, owner_user):
    a, b, c = (
        okr.key_result_create(objective=objective, title=t, start=0, target=10, actor=owner_user)
        for t in ("A", "B", "C")
    )
    KeyResult.objects.filter(pk=c.pk).update(current_value=3, current_confidence="at_risk")
    bulk.update(
        KeyResult._meta.db_table,
        [
            ("current_value", "double precision"),
            ("current_date", "date"),
            ("current_confidence", "text"),
        ],
        [("id", "bigint")],
        [(7.5, dt.date(2026, 1, 5), "off_track", a.pk), (None, None, "", b.pk)],
    )
    rows = dict(
        KeyResult.objects.filter(pk__in=[a.pk, b.pk, c.pk]).values_list("pk", "current_value")
    )
    assert rows == {a.pk: 7.5, b.pk: None, c.pk: 3}
    a.refresh_from_db()
    assert (a.current_date, a.current_confidence) == (dt.date(2026, 1, 5), "off_track")


def test_insert_then_update_by_a_composite_key(workspace, owner_user):
    kpi = Kpi.objects.create(workspace=workspace, name="Leads")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(25)]
    with transaction.atomic():
        bulk.insert(
            DataPoint._meta.db_table,
            ("workspace_id", "kpi_id", "date", "value", "created_at", "updated_at"),
            [(workspace.pk, kpi.pk, d, float(i), now, now) for i, d in enumerate(days)],
        )
        bulk.update(
            DataPoint._meta.db_table,
            [("value", "double precision")],
            [("kpi_id", "bigint"), ("date", "date")],
            [(100.0, kpi.pk, days[3]), (-1.5, kpi.pk, days[24])],
        )
    values = dict(DataPoint.objects.filter(kpi=kpi).values_list("date", "value"))
    assert len(values) == 25 and values[days[0]] == 0 and values[days[5]] == 5
    assert (values[days[3]], values[days[24]]) == (100.0, -1.5)
