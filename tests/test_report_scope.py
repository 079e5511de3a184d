"""A report of a large workspace stays bounded: the company's objectives and the teams and
KPIs chosen for it; a small workspace's report still shows everything."""

import pytest

from waypoint import seed
from waypoint.kpis import services as kpis
from waypoint.okrs.models import Objective
from waypoint.reports import selectors
from waypoint.reports.models import Report
from waypoint.workspaces.models import Member, Team


@pytest.fixture
def big(db):
    ws = seed.seed(people=300, slug="bigco")  # 185 objectives, 15 KPIs
    for i in range(15):
        kpis.kpi_create(workspace=ws, name=f"Extra {i:02d}", actor=None)
    return {
        "ws": ws,
        "report": Report.objects.get(workspace=ws),
        "owner": Member.objects.get(workspace=ws, role="owner"),
    }


def test_a_large_workspace_reports_its_company_objectives_and_some_kpis(big):
    content = selectors.report_content(big["report"])
    levels = {row.objective.level for row in content["rows"]}
    assert levels == {"company"} and len(content["rows"]) == 5
    public = Objective.objects.filter(workspace=big["ws"], private=False).count()
    assert content["left_out"]["objectives"] == public - 5
    assert len(content["kpis"]) <= selectors.ALL_KPIS_UP_TO
    assert content["left_out"]["kpis"] == 30 - selectors.ALL_KPIS_UP_TO


def test_editors_choose_the_teams_and_kpis_a_report_covers(client, big):
    team = Team.objects.filter(workspace=big["ws"]).order_by("id")[3]
    chosen = list(big["ws"].kpis.order_by("name")[:2])
    client.force_login(big["owner"].user)
    url = f"/w/bigco/reports/{big['report'].pk}/"
    response = client.post(
        url, {"action": "scope", "teams": [team.pk], "kpis": [k.pk for k in chosen]}
    )
    assert response.status_code == 302
    content = selectors.report_content(big["report"])
    team_objectives = Objective.objects.filter(teams=team, private=False).count()
    assert len(content["rows"]) == 5 + team_objectives
    assert [item["kpi"] for item in content["kpis"] if item] == [
        k for k in chosen if k.data_points.exists()
    ]
    html = client.get(url).content.decode()
    assert "are not in this report" in html and big["report"].summary in html
    # The form is folded on the page, and built when opened: alone for htmx, or in the page.
    assert 'name="teams"' not in html and f'hx-get="{url}?scope=1"' in html
    opened = client.get(f"{url}?scope=1", HTTP_HX_REQUEST="true").content.decode()
    assert 'name="teams"' in opened and "<html" not in opened
    assert f'value="{team.pk}" checked' in opened or f'value="{team.pk}" selected' in opened
    page = client.get(f"{url}?scope=1").content.decode()
    assert '<details class="card" id="scope" open>' in page and 'name="teams"' in page


def test_a_small_workspace_reports_everything(client, owner_user, workspace, objective, owner):
    from waypoint.reports import services as reports

    report = reports.report_create(
        workspace=workspace,
        title="Q1",
        period_start=objective.cycle.start,
        period_end=objective.cycle.end,
        by=owner,
        actor=None,
    )
    content = selectors.report_content(report)
    assert [r.objective for r in content["rows"]] == [objective]
    assert content["left_out"] == {"objectives": 0, "kpis": 0}


def test_the_pdf_of_a_large_workspace_stays_small(big):
    pdf = selectors.report_pdf(big["report"], "en")
    assert pdf.startswith(b"%PDF") and len(pdf) < 2_000_000


def test_a_team_of_another_workspace_is_refused_and_nothing_changes(client, big, other_workspace):
    from waypoint.workspaces import services as ws_services

    theirs = ws_services.team_create(workspace=other_workspace, name="Theirs", actor=None)
    client.force_login(big["owner"].user)
    response = client.post(
        f"/w/bigco/reports/{big['report'].pk}/", {"action": "scope", "teams": [theirs.pk]}
    )
    assert response.status_code == 422
    assert not big["report"].teams.exists()


def test_past_the_list_limit_teams_and_kpis_are_typed_by_name(
    client, big, monkeypatch, other_workspace
):
    """A workspace with more teams than a list can hold (10,000 teams made a 760 KB page)
    names them instead; a name from another workspace, or none, changes nothing."""
    from waypoint.workspaces import forms as ws_forms
    from waypoint.workspaces import services as ws_services

    monkeypatch.setattr(ws_forms.NamedChoicesField, "LIST_LIMIT", 10)
    teams = list(Team.objects.filter(workspace=big["ws"]).order_by("id")[2:4])
    kpi = big["ws"].kpis.order_by("name").first()
    client.force_login(big["owner"].user)
    url = f"/w/bigco/reports/{big['report'].pk}/"
    page = client.get(f"{url}?scope=1", HTTP_HX_REQUEST="true").content.decode()
    assert f'value="{teams[0].pk}"' not in page and "one name per line" in page
    response = client.post(
        url,
        {
            "action": "scope",
            "teams": f"{teams[0].name}\n  {teams[1].name.upper()}  \n",
            "kpis": kpi.name,
        },
    )
    assert response.status_code == 302
    assert set(big["report"].teams.all()) == set(teams)
    assert list(big["report"].kpis.all()) == [kpi]
    assert teams[0].name in client.get(f"{url}?scope=1").content.decode()  # shown as names

    theirs = ws_services.team_create(workspace=other_workspace, name="Theirs", actor=None)
    response = client.post(url, {"action": "scope", "teams": f"{teams[0].name}\n{theirs.name}"})
    assert response.status_code == 422 and "Theirs" in response.content.decode()
    assert set(big["report"].teams.all()) == set(teams)
