"""`waypoint seed --people N`: a deterministic synthetic organisation shaped like a large
company, written in bulk."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from waypoint import seed
from waypoint.kpis.models import DataPoint, Deviation, Kpi
from waypoint.okrs.models import CheckIn, Cycle, KeyResult, Objective
from waypoint.reports.models import Report
from waypoint.workspaces.models import Member, Team

TODAY = dt.date(2026, 11, 18)


def test_the_organisation_has_the_shape_of_a_company(db):
    ws = seed.seed(people=200, slug="bigco", today=TODAY)
    assert Member.objects.filter(workspace=ws).count() == 200
    teams = list(Team.objects.filter(workspace=ws))
    assert len(teams) == 20 and sum(t.parent_id is None for t in teams) == 1
    depth = {t.pk: 0 for t in teams if t.parent_id is None}
    by_pk = {t.pk: t for t in teams}
    for t in sorted(teams, key=lambda t: t.pk):
        if t.parent_id:
            depth[t.pk] = depth[by_pk[t.parent_id].pk] + 1
    assert max(depth.values()) >= 2  # three levels at 200 people, four at 10,000
    quarter = Cycle.objects.get(workspace=ws, is_current=True)
    assert quarter.parent.kind == "year" and quarter.start <= TODAY <= quarter.end
    objectives = Objective.objects.filter(workspace=ws)
    assert objectives.count() == 5 + 20 + 100
    assert objectives.filter(level="individual", parent__level="team").count() == 100
    assert objectives.filter(private=True).exists()
    assert KeyResult.objects.filter(workspace=ws).count() == 3 * 125
    assert {k.type for k in KeyResult.objects.filter(workspace=ws)} >= {"increase", "decrease"}
    assert CheckIn.objects.filter(workspace=ws).count() == 12 * 3 * 125
    assert Kpi.objects.filter(workspace=ws).count() == 10
    assert DataPoint.objects.filter(workspace=ws).count() == 10 * 730
    assert Deviation.objects.filter(workspace=ws, closed_on__isnull=True).exists()
    assert Report.objects.filter(workspace=ws).count() == 1


def test_the_same_seed_gives_the_same_organisation(db):
    def snapshot(slug):
        ws = seed.seed(people=30, slug=slug, seed=7, today=TODAY)
        return (
            list(Objective.objects.filter(workspace=ws).order_by("id").values_list("title")),
            list(CheckIn.objects.filter(workspace=ws).order_by("id").values_list("value")),
        )

    assert snapshot("one") == snapshot("two")


def test_seeding_an_existing_workspace_is_refused(db):
    seed.seed(people=10, slug="bigco", today=TODAY)
    with pytest.raises(ValidationError, match="exists already"):
        seed.seed(people=10, slug="bigco", today=TODAY)


def test_the_seeded_pages_open_for_the_owner(client, db):
    ws = seed.seed(people=60, slug="bigco")
    owner = Member.objects.get(workspace=ws, role="owner")
    client.force_login(owner.user)
    quarter = Cycle.objects.get(workspace=ws, is_current=True)
    for url in (
        "/w/bigco/",
        "/w/bigco/checkin/",
        f"/w/bigco/cycles/{quarter.pk}/",
        f"/w/bigco/cycles/{quarter.pk}/tree/",
        "/w/bigco/kpis/",
        "/w/bigco/coach/maturity/",
    ):
        assert client.get(url).status_code == 200, url


def test_the_command_seeds_with_a_progress_bar(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["WAYPOINT_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "waypoint.cli", "seed", "--people", "40", "--workspace", "acme"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "8/8" in done.stderr and "Seeded acme: 40 people" in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "waypoint.cli", "seed", "--people", "40", "--workspace", "acme"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 2 and "exists already" in again.stderr


def test_the_planner_knows_the_tables_after_a_seed_and_each_night(db):
    """SQLite keeps no planner statistics until ANALYZE: after a bulk load, and each night,
    Waypoint refreshes them (PostgreSQL's autovacuum keeps its own, refreshed after a seed)."""
    from django.db import connection

    from waypoint import seed as seeding
    from waypoint.jobs import tasks

    def analysed_tables():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
            else:
                cursor.execute(
                    "SELECT relname FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"
                )
            return {row[0] for row in cursor.fetchall()}

    seeding.seed(people=20, slug="stats")
    assert {"okrs_objective", "okrs_objective_teams", "kpis_datapoint"} <= analysed_tables()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM sqlite_stat1")
        tasks.prune()
        assert "okrs_objective_teams" in analysed_tables()


@pytest.mark.django_db(transaction=True)
def test_after_a_bulk_load_postgresql_vacuums_so_that_counts_read_the_index_only():
    """Until a vacuum marks the new pages all-visible, PostgreSQL's index-only scans read
    every row from the table too; the seed and the restore vacuum once they have committed."""
    from django.db import connection

    from waypoint import seed as seeding
    from waypoint.lib import planner

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no visibility map")
    seeding.seed(people=20, slug="vacuumed")
    planner.refresh(bulk_loaded=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE last_vacuum IS NOT NULL")
        vacuumed = {row[0] for row in cursor.fetchall()}
    assert {"okrs_checkin", "okrs_keyresult", "kpis_datapoint"} <= vacuumed
