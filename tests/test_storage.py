"""How the busiest tables are stored, and that what the storage no longer checks holds.

KPI points keep one key the database checks (their KPI's); their workspace and author are
kept by the application, so that a push of 100,000 points is not checked three times a
row. What those checks guarded still holds: a removed person's points stay, without an
author; a deleted workspace leaves no point behind; a point is always in its KPI's
workspace."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from waypoint.kpis import services as kpis
from waypoint.kpis.models import DataPoint
from waypoint.workspaces import privacy
from waypoint.workspaces import services as ws_services


def _points(kpi, author, n=30):
    first = dt.date(2026, 1, 1)
    rows = [(first + dt.timedelta(days=i), float(i)) for i in range(n)]
    kpis.data_points_record(kpi=kpi, rows=rows, author=author, actor=author.user)


def test_a_removed_persons_points_stay_without_an_author(workspace, owner, teammate):
    kpi = kpis.kpi_create(workspace=workspace, name="Visits", actor=None)
    _points(kpi, teammate)
    assert DataPoint.objects.filter(kpi=kpi, author=teammate).count() == 30
    ws_services.member_remove(member=teammate, actor=owner.user)
    assert DataPoint.objects.filter(kpi=kpi).count() == 30
    assert not DataPoint.objects.filter(kpi=kpi, author__isnull=False).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM kpis_datapoint WHERE author_id = %s", [teammate.pk])
        assert cursor.fetchone()[0] == 0


def test_a_deleted_workspace_leaves_no_point_behind(workspace, owner, other_workspace):
    kpi = kpis.kpi_create(workspace=workspace, name="Visits", actor=None)
    _points(kpi, owner)
    theirs = kpis.kpi_create(workspace=other_workspace, name="Leads", actor=None)
    _points(theirs, other_workspace.members.get())
    gone = workspace.pk
    privacy._delete(workspace)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM kpis_datapoint WHERE workspace_id = %s", [gone])
        assert cursor.fetchone()[0] == 0
    assert DataPoint.objects.filter(kpi=theirs).count() == 30


def test_every_point_is_in_its_kpis_workspace(workspace, owner, other_workspace):
    for ws, member in ((workspace, owner), (other_workspace, other_workspace.members.get())):
        _points(kpis.kpi_create(workspace=ws, name="Visits", actor=None), member, n=5)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM kpis_datapoint p JOIN kpis_kpi k ON k.id = p.kpi_id "
            "WHERE p.workspace_id <> k.workspace_id"
        )
        assert cursor.fetchone()[0] == 0
    assert DataPoint.objects.count() == 10


def test_rows_every_check_in_rewrites_have_room_for_their_next_version(db):
    """On PostgreSQL a key result's, an objective's and a KPI's row are rewritten by every
    check-in and recompute: pages filled to 80% let the new version sit beside the old one
    without touching the indexes."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL storage setting")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)",
            [["okrs_keyresult", "okrs_objective", "kpis_kpi"]],
        )
        found = dict(cursor.fetchall())
    assert found == {name: ["fillfactor=80"] for name in found} and len(found) == 3
