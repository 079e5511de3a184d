"""The demo workspace: believable, built from the seeds, and the same every time."""

import datetime as dt

import pytest

from tests.conftest import rolled_back_once_per_module
from waypoint import demo
from waypoint.okrs import okrfile
from waypoint.okrs.models import CheckIn, Cycle, Initiative, Objective
from waypoint.workspaces.models import Team, User, Workspace

TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def demo_id(django_db_setup, django_db_blocker):
    with rolled_back_once_per_module(django_db_blocker):
        yield demo.load_demo(today=TODAY).pk


@pytest.fixture
def demo_ws(db, demo_id):
    return Workspace.objects.get(pk=demo_id)


def test_the_demo_has_teams_a_year_with_quarters_and_a_current_quarter(demo_ws):
    teams = Team.objects.filter(workspace=demo_ws)
    assert 4 <= teams.count() <= 6
    assert teams.filter(parent__isnull=False).exists()  # a hierarchy, not a flat list
    year = Cycle.objects.get(workspace=demo_ws, kind="year")
    assert year.children.count() == 4
    current = Cycle.objects.get(workspace=demo_ws, is_current=True)
    assert current.name == "2026-Q4" and current.parent == year


def test_the_demo_aligns_company_team_and_individual_objectives(demo_ws):
    objectives = Objective.objects.filter(workspace=demo_ws)
    assert {o.level for o in objectives} == {"company", "team", "individual"}
    individual = objectives.filter(level="individual", parent__isnull=False).first()
    assert individual.parent.level == "team" and individual.parent.parent.level == "company"
    cross_team = [o for o in objectives.filter(level="team") if o.teams.count() > 1]
    assert cross_team, "one cross-team objective"
    assert objectives.filter(cycle__kind="quarter", parent__cycle__kind="year").exists()


def test_the_demo_has_weeks_of_check_ins_with_comments_and_initiatives(demo_ws):
    checkins = CheckIn.objects.filter(
        workspace=demo_ws, key_result__objective__cycle__name="2026-Q3"
    )
    weeks = checkins.values("date").distinct().count()
    assert 10 <= weeks <= 13
    assert {c.confidence for c in checkins} == {"on_track", "at_risk", "off_track"}
    assert checkins.exclude(comment="").count() > checkins.count() / 3
    assert Initiative.objects.filter(workspace=demo_ws).count() >= 3
    current = CheckIn.objects.filter(key_result__objective__cycle__name="2026-Q4")
    assert current.values("date").distinct().count() >= 6


def test_the_demo_carries_the_seeds_flawed_okrs_for_the_coach(demo_ws):
    flawed = Objective.objects.get(workspace=demo_ws, title="Sell bookings for 10 million")
    assert flawed.why == ""
    assert Objective.objects.filter(title="Boost customer retention").exists()
    assert Objective.objects.filter(key_results__title="Publish 24 expert articles").exists()


def test_the_demo_is_deterministic():
    first = demo.build_documents(TODAY)
    assert demo.build_documents(TODAY) == first


def test_the_demo_login_works(demo_ws, client):
    user = User.objects.get(email=demo.DEMO_LOGIN)
    assert user.check_password(demo.DEMO_PASSWORD)
    assert client.login(email=demo.DEMO_LOGIN, password=demo.DEMO_PASSWORD)
    assert client.get("/admin/okrs/objective/").status_code == 200


def test_the_demo_loads_once(demo_ws):
    assert demo.ensure_demo(progress=lambda _m: None) == demo_ws


def test_the_demo_round_trips_through_its_own_export(demo_ws):
    text = okrfile.export_workspace(demo_ws, "yaml")
    docs = okrfile.load(text, "demo.yaml")
    result = okrfile.import_documents(docs)
    assert result.audit_rows == 0


@pytest.mark.parametrize("day", [dt.date(2026, 1, 5), dt.date(2026, 4, 1), dt.date(2027, 3, 31)])
def test_the_demo_loads_on_any_day_of_the_year(db, day):
    ws = demo.load_demo(today=day)
    assert Cycle.objects.get(workspace=ws, is_current=True).start <= day


def test_the_demo_shows_findings_maturity_and_a_graded_closed_quarter(demo_ws):
    from waypoint.coach import maturity
    from waypoint.coach import selectors as coach
    from waypoint.okrs.models import CycleReview, Retrospective

    q4 = Cycle.objects.get(workspace=demo_ws, name="2026-Q4")
    review = coach.cycle_review(demo_ws, q4)
    assert {"objective-is-metric", "missing-why", "kr-is-activity", "defocus"} <= {
        f.rule for f in review.findings
    }
    q3 = Cycle.objects.get(workspace=demo_ws, name="2026-Q3")
    assert q3.status == "closed"
    retros = Retrospective.objects.filter(objective__cycle=q3)
    assert retros.count() == 3 and all(r.grade is not None and r.learned for r in retros)
    assert retros.exclude(override_reason="").count() == 1
    assert CycleReview.objects.get(cycle=q3).held_on
    diagnosis = maturity.diagnose(coach.maturity_facts(demo_ws, TODAY))
    assert 2 <= diagnosis.stage <= 4 and diagnosis.next_steps


def test_the_demo_has_a_client_report_with_its_kpi_charts_and_summary(demo_ws, client):
    from waypoint.reports.models import Report

    report = Report.objects.get(workspace=demo_ws)
    assert report.period_end == TODAY
    assert "External factors" in report.summary
    client.force_login(User.objects.get(email=demo.DEMO_LOGIN))
    html = client.get(f"/w/{demo_ws.slug}/reports/{report.pk}/").content.decode()
    assert "Gypsum supplier delayed two deliveries" in html  # the annotations, in the period
    assert "Autumn “choose your finish” campaign" in html
    assert "Wall area plastered" in html and "data-vega-spec" in html  # its chart
    assert "Second supplier for gypsum" in html  # the deviation's response


def test_the_demo_tells_the_story_of_a_response_that_failed_and_one_that_worked(demo_ws):
    from waypoint.kpis.models import DeviationResponse

    story = DeviationResponse.objects.filter(
        deviation__kpi__workspace=demo_ws,
        deviation__kpi__name="Average response time to a new lead",
    ).order_by("id")
    assert list(story.values_list("kind", "verdict")) == [
        ("change_executor", "failed"),
        ("improve_process", "worked"),
    ]
    assert story[1].initiative.done_on is not None


def test_the_demo_shows_work_that_moved_its_key_result_and_an_overdue_initiative(demo_ws):
    from waypoint.okrs import selectors

    bot = Initiative.objects.get(workspace=demo_ws, title=demo.LEAD_ALERT_BOT)
    assert bot.done_on == TODAY - dt.timedelta(days=40)
    (evidence,) = selectors.work_then_movement(bot.key_result)
    assert evidence["moved"] is not None and evidence["moved"].value < evidence["then"]
    late = Initiative.objects.get(workspace=demo_ws, owner__user__email=demo.DEMO_LOGIN)
    assert late.is_open and late.due_on < TODAY


def test_the_demo_has_two_stored_diagnoses_that_differ(demo_ws):
    from waypoint.coach import maturity
    from waypoint.coach.models import MaturityDiagnosis

    stored = list(MaturityDiagnosis.objects.filter(workspace=demo_ws))
    assert len(stored) == 2
    later, earlier = (maturity.from_stored(d.facts) for d in stored)
    names = {c.name for c in maturity.changes(earlier, later)}
    assert {"Retrospectives", "KPIs as a parallel process"} <= names


def test_the_demo_has_one_team_waiting_for_anothers_objective(demo_ws):
    from waypoint.okrs.models import Dependency

    (d,) = Dependency.objects.filter(workspace=demo_ws)
    assert (d.objective.title, d.blocked_by.title) == (demo.HANDOVER, demo.ONLINE)
    assert d.objective.cycle.is_current and d.blocked_by.cycle.is_current


def test_the_demo_has_an_objective_that_also_serves_another(demo_ws):
    from waypoint.okrs.models import Contribution

    (c,) = Contribution.objects.filter(workspace=demo_ws)
    assert (c.objective.title, c.parent.title, c.weight) == (demo.TRUST, demo.BOOKINGS, 0.5)


def test_the_demo_has_a_sales_board_with_its_funnel_and_a_catch_hook(demo_ws, client):
    from waypoint.connectors.models import Source
    from waypoint.reports import dashboards
    from waypoint.reports.models import Dashboard

    board = Dashboard.objects.get(workspace=demo_ws, name="Sales board")
    member = demo_ws.members.filter(role="owner").first()
    blocks = dashboards.content(board, member, TODAY)
    funnel = next(b for b in blocks if b["type"] == "funnel")
    # One bar a stage: the blog's visitors (not its articles), then leads, then bookings.
    # The response time, staged too, measures how a stage runs, not how many pass: no bar.
    assert [(s["label"], s["kpi"]) for s in funnel["stages"]] == [
        ("Blog", "Blog visitors"),
        ("Leads", "Leads from the blog"),
    ]
    charts = [b["kpi"].name for b in blocks if b["type"] == "kpi"]
    assert charts == ["Blog visitors", "Leads from the blog"]
    assert Source.objects.filter(workspace=demo_ws, kind="catch_hook").count() == 1
