"""No query carries a list of ids that grows with the workspace: SQLite refuses thousands
("Expression tree is too large"), and PostgreSQL plans them badly. Pages select related rows
by joins and subqueries instead; measured here on a seeded organisation of 300 people, where
a list of ids would already run into the hundreds."""

import contextlib

import pytest
from django.db import connection

from tests.conftest import rolled_back_once_per_module
from waypoint import seed
from waypoint.coach import selectors as coach
from waypoint.okrs.models import Cycle, Objective
from waypoint.workspaces.models import Member, Workspace

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


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The organisations of this module's tests, seeded once: 40 and 160 people (``small``
    and ``large``) and 300 (``bigco``). Each test reads them in its own transaction."""
    with rolled_back_once_per_module(django_db_blocker):
        yield {
            slug: seed.seed(people=people, slug=slug).pk
            for people, slug in ((40, "small"), (160, "large"), (300, "bigco"))
        }


@pytest.fixture
def org(db, seeded):
    ws = Workspace.objects.get(pk=seeded["bigco"])
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


PAGES = {
    "home": "/w/{slug}/",
    "check-in": "/w/{slug}/checkin/",
    "overview": "/w/{slug}/cycles/{cycle}/",
    "overview, a folded team": "/w/{slug}/cycles/{cycle}/teams/{team}/",
    "overview, filtered": "/w/{slug}/cycles/{cycle}/?q=a",
    "alignment tree": "/w/{slug}/cycles/{cycle}/tree/",
    "a branch of the tree": "/w/{slug}/cycles/{cycle}/tree/{company}/",
    "objective": "/w/{slug}/objectives/{objective}/",
    "objective, what is aligned to it": "/w/{slug}/objectives/{company}/aligned/",
    "KPI board": "/w/{slug}/kpis/",
    "KPI page": "/w/{slug}/kpis/{kpi}/",
    "a KPI's data points": "/w/{slug}/kpis/{kpi}/points/",
    "report": "/w/{slug}/reports/{report}/",
    "maturity": "/w/{slug}/coach/maturity/",
    "coach findings": "/w/{slug}/cycles/{cycle}/findings/",
    "retrospective": "/w/{slug}/cycles/{cycle}/retro/",
    "people": "/w/{slug}/people/",
    "person": "/w/{slug}/people/{member}/",
    "teams": "/w/{slug}/teams/",
    "team": "/w/{slug}/teams/{team}/",
    "search": "/w/{slug}/search/?q=our",
    "audit trail": "/w/{slug}/settings/audit/",
    "audit trail, security events": "/w/{slug}/settings/audit/?object_type=security",
    "security settings": "/w/{slug}/settings/security/",
    "a member, for an admin": "/w/{slug}/settings/members/{member}/",
    "sign-in and security": "/accounts/security/",
    "API objectives": "/api/v1/objectives?limit=100",
    "API key results": "/api/v1/key-results?limit=100",
    "API check-ins": "/api/v1/check-ins?limit=100",
    "API KPIs": "/api/v1/kpis?limit=100",
}


@pytest.mark.parametrize("which", list(PAGES))
def test_every_page_asks_the_same_queries_and_stays_as_small_for_a_4x_bigger_workspace(
    client, db, seeded, which
):
    """Seeded at 40 and at 160 people (four times the objectives, key results, check-ins,
    teams and KPIs), each page asks as many queries and sends about as much: what it costs
    follows what it shows, not the size of the workspace. (``make bench`` measures the same
    at 10,000 people.)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waypoint.kpis.models import Kpi
    from waypoint.reports.models import Report
    from waypoint.workspaces import services as ws_services

    counts, sizes = [], []
    for slug in ("small", "large"):
        ws = Workspace.objects.get(pk=seeded[slug])
        owner = Member.objects.get(workspace=ws, role="owner")
        client.force_login(owner.user)
        cycle = Cycle.objects.get(workspace=ws, is_current=True)
        team_objective = Objective.objects.filter(workspace=ws, cycle=cycle, level="team").first()
        ids = {
            "slug": slug,
            "cycle": cycle.pk,
            "team": team_objective.teams.first().pk,
            "company": Objective.objects.filter(workspace=ws, cycle=cycle, level="company")
            .first()
            .pk,
            "objective": team_objective.pk,
            "kpi": Kpi.objects.filter(workspace=ws).first().pk,
            "report": Report.objects.get(workspace=ws).pk,
            "member": Member.objects.filter(workspace=ws, role="member").first().pk,
        }
        headers = {}
        if which.startswith("API"):
            _token, raw = ws_services.token_create(member=owner, name="q", scope="read", actor=None)
            headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        url = PAGES[which].format(**ids)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code)
        counts.append(len(ctx.captured_queries))
        sizes.append(len(response.content))
    # The same queries, give or take one that depends on the data (an open deviation, a
    # filter that matches nothing); never one per row.
    assert abs(counts[1] - counts[0]) <= 2, counts
    # Four times the workspace at most doubles a page, or it stays small.
    assert sizes[1] <= 2 * sizes[0] or sizes[1] <= 60_000, sizes


@pytest.mark.parametrize("which", ["retrospective", "objective", "maturity", "report"])
def test_these_pages_ask_the_same_queries_for_a_bigger_workspace(client, db, seeded, which):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waypoint.reports.models import Report

    counts = []
    for slug in ("small", "large"):
        ws = Workspace.objects.get(pk=seeded[slug])
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


def test_a_member_picker_counts_the_workspace_without_sorting_it(db, workspace, owner):
    """Whether a member field is a list or an e-mail box is decided by counting up to 201
    members: without the list's order, or the count sorts every member first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waypoint.okrs.forms import member_choices
    from waypoint.workspaces.forms import MemberChoiceField

    with CaptureQueriesContext(connection) as queries:
        field = MemberChoiceField(
            queryset=member_choices(workspace).order_by("user__full_name", "user__email")
        )
    (count,) = [q["sql"] for q in queries]
    assert "COUNT" in count and "ORDER BY" not in count and field.by_email is False


def test_the_alignment_tree_reads_the_key_results_of_all_its_levels_in_one_query(
    client, db, seeded
):
    """The tree opens level by level from the top, a query a level for the objectives; the
    key results of all of them come in one more query at the end, not one a level (and one
    for the list of objectives aligned to nothing)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ws = Workspace.objects.get(pk=seeded["large"])
    client.force_login(Member.objects.get(workspace=ws, role="owner").user)
    cycle = Cycle.objects.get(workspace=ws, is_current=True)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/w/large/cycles/{cycle.pk}/tree/")
    assert response.status_code == 200
    levels = response.content.decode().count('role="group"')
    assert levels >= 3, "the tree should open at least three levels below its roots"
    key_results = [q["sql"] for q in ctx.captured_queries if 'FROM "okrs_keyresult"' in q["sql"]]
    assert len(key_results) <= 2, key_results  # without it: one a level, four here
