"""An existing installation upgrades: migration kpis.0005 fills every KPI's stored status and
recent periods from its data, as the services keep them afterwards."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("kpis", "0004_help_without_seed")]
AFTER = [("kpis", "0005_kpi_recent_periods")]


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_fills_status_and_recent_periods_from_the_data():
    from waypoint.kpis import services
    from waypoint.kpis.models import Kpi
    from waypoint.kpis.selectors import SPARK_PERIODS
    from waypoint.lib import kpi as maths

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    # Every app as the database now stands: the KPIs as they were before 0005, and what
    # depends on later KPI migrations unapplied with them.
    applied = list(MigrationExecutor(connection).loader.applied_migrations)
    old = executor.loader.project_state(applied).apps
    workspace = old.get_model("workspaces", "Workspace").objects.create(name="Old", slug="old")
    kpi = old.get_model("kpis", "Kpi").objects.create(
        workspace=workspace, name="Leads", frequency="weekly", aggregation="sum", warning=30
    )
    empty = old.get_model("kpis", "Kpi").objects.create(workspace=workspace, name="Nothing yet")
    today = dt.date.today()
    old.get_model("kpis", "DataPoint").objects.bulk_create(
        old.get_model("kpis", "DataPoint")(
            workspace=workspace, kpi=kpi, date=today - dt.timedelta(days=d), value=d % 9
        )
        for d in range(120)
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    MigrationExecutor(connection).migrate(latest)  # the latest, as the other tests expect

    upgraded = Kpi.objects.select_related("workspace").get(pk=kpi.pk)
    fresh = services.kpi_periods(upgraded, upgraded.workspace.today(), recent=True)
    assert upgraded.recent == maths.stored(fresh, SPARK_PERIODS) and len(upgraded.recent) == 12
    assert upgraded.status == services.latest_status(fresh) != ""
    assert Kpi.objects.get(pk=empty.pk).recent == []
