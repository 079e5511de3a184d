"""No query carries a list of ids that grows with the workspace: SQLite refuses thousands
("Expression tree is too large"), and PostgreSQL plans them badly. Pages select related rows
by joins and subqueries instead; measured here on a seeded organisation of 300 people, where
a list of ids would already run into the hundreds."""

import contextlib

import pytest
from django.db import connection

from waypoint import seed
from waypoint.coach import selectors as coach
from waypoint.okrs.models import Cycle, Objective
from waypoint.workspaces.models import Member

MAX_PARAMS = 40


@contextlib.contextmanager
def widest_query():
    seen = {"params": 0, "sql": ""}

    def spy(execute, sql, params, many, context):
        n = len(params or ())
        if n > seen["params"]:
            seen.update(params=n, sql=sql[:300])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        yield seen


@pytest.fixture
def org(db):
    ws = seed.seed(people=300, slug="bigco")
    return {
        "ws": ws,
        "cycle": Cycle.objects.get(workspace=ws, is_current=True),
        "owner": Member.objects.get(workspace=ws, role="owner"),
        "member": Member.objects.filter(workspace=ws, role="member").first(),
    }


def test_the_coach_reads_a_cycle_without_lists_of_ids(org):
    with widest_query() as seen:
        coach.cycle_review(org["ws"], org["cycle"])
        coach.cycle_review(org["ws"], org["cycle"], member=org["member"])
        coach.maturity_facts(org["ws"], org["cycle"].start)
    assert seen["params"] <= MAX_PARAMS, seen


# The overview still prefetches its (whole) cycle by ids: its bounded first screen is next.
@pytest.mark.parametrize("which", ["objective", "maturity"])
def test_the_coach_pages_that_crashed_at_10000_people_use_no_lists_of_ids(client, org, which):
    client.force_login(org["owner"].user)
    objective = Objective.objects.filter(workspace=org["ws"], level="team").first()
    url = {
        "overview": f"/w/bigco/cycles/{org['cycle'].pk}/",
        "objective": f"/w/bigco/objectives/{objective.pk}/",
        "maturity": "/w/bigco/coach/maturity/",
    }[which]
    with widest_query() as seen:
        assert client.get(url).status_code == 200
    assert seen["params"] <= MAX_PARAMS, seen


@pytest.mark.parametrize("which", ["retrospective", "objective", "maturity", "report"])
def test_these_pages_ask_the_same_queries_for_a_bigger_workspace(client, db, which):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waypoint.reports.models import Report

    counts = []
    for people, slug in ((40, "small"), (160, "large")):
        ws = seed.seed(people=people, slug=slug)
        client.force_login(Member.objects.get(workspace=ws, role="owner").user)
        cycle = Cycle.objects.get(workspace=ws, is_current=True)
        url = {
            "retrospective": f"/w/{slug}/cycles/{cycle.pk}/retro/",
            "objective": f"/w/{slug}/objectives/"
            f"{Objective.objects.filter(workspace=ws, level='team').first().pk}/",
            "maturity": f"/w/{slug}/coach/maturity/",
            "report": f"/w/{slug}/reports/{Report.objects.get(workspace=ws).pk}/",
        }[which]
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
