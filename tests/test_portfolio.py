"""The agency's portfolio: every client workspace's OKR progress (public objectives only),
KPI health, open deviations, failing data sources and next report, sortable, in a number of
queries that does not grow with the number of clients."""

import datetime as dt

import pytest

from waypoint.connectors import services as connectors
from waypoint.connectors.models import Source
from waypoint.kpis.models import Deviation, Kpi
from waypoint.okrs import services as okr
from waypoint.okrs.models import Objective
from waypoint.reports.models import ReportSchedule
from waypoint.workspaces import services as ws_services


def client_workspace(agency_user, slug, progress, kpis=(), deviations=0, failing=0):
    ws = ws_services.workspace_create(name=slug.title(), slug=slug, owner=agency_user, actor=None)
    owner = ws.members.get()
    today = ws.today()
    cycle = okr.cycle_create(
        workspace=ws,
        name="Now",
        start=today - dt.timedelta(days=30),
        end=today + dt.timedelta(days=60),
        actor=None,
    )
    okr.cycle_set_current(cycle=cycle, actor=None)
    for value in progress:
        o = okr.objective_create(workspace=ws, cycle=cycle, title=f"Grow {value}", actor=None)
        Objective.objects.filter(pk=o.pk).update(progress=value)
    for i, status in enumerate(kpis):
        kpi = Kpi.objects.create(workspace=ws, name=f"KPI {i}", owner=owner)
        Kpi.objects.filter(pk=kpi.pk).update(status=status)
        if i < deviations:
            Deviation.objects.create(
                workspace=ws, kpi=kpi, level="critical", period_start=today, opened_on=today
            )
        if i < failing:
            source = connectors.source_save(
                workspace=ws, kind="catch_hook", values={}, kpi=kpi, actor=None
            )
            Source.objects.filter(pk=source.pk).update(failures=2)
    return ws


@pytest.fixture
def agency(db, django_user_model):
    user = django_user_model.objects.create_user(email="ada@agency.test", password="x" * 12)
    a = client_workspace(user, "alpha", [0.2, 0.4], ["ok", "critical", "warning"], 1, 1)
    b = client_workspace(user, "bravo", [0.9], ["ok", "ok"])
    # A private objective is not counted in the client's progress.
    cycle = b.cycles.get()
    secret = okr.objective_create(workspace=b, cycle=cycle, title="Hidden", actor=None)
    Objective.objects.filter(pk=secret.pk).update(progress=0.0, private=True)
    ReportSchedule.objects.create(workspace=b, recipients="ceo@bravo.test")
    return {"user": user, "alpha": a, "bravo": b}


def rows(page):
    out = {}
    for part in page.split('data-portfolio="')[1:]:
        slug = part[: part.index('"')]
        out[slug] = part[: part.index("</tr>")]
    return out


def test_each_client_with_its_figures(client, agency):
    client.force_login(agency["user"])
    page = client.get("/portfolio/").content.decode()
    found = rows(page)
    assert list(found) == ["alpha", "bravo"]
    assert ">30%<" in found["alpha"] and ">90%<" in found["bravo"]
    assert '<span class="pill critical">1</span>' in found["alpha"]
    assert '<span class="pill warning">1</span>' in found["alpha"]
    assert "1 on target" in found["alpha"] and "2 on target" in found["bravo"]
    assert 'data-label="Open deviations">1<' in found["alpha"]
    assert "/w/alpha/sources/" in found["alpha"]
    assert "not scheduled" in found["alpha"] and "not scheduled" not in found["bravo"]


def test_sorted_by_any_column(client, agency):
    client.force_login(agency["user"])
    by_progress = rows(client.get("/portfolio/?sort=-progress").content.decode())
    assert list(by_progress) == ["bravo", "alpha"]
    by_health = rows(client.get("/portfolio/?sort=-health").content.decode())
    assert list(by_health) == ["alpha", "bravo"]
    by_deviations = rows(client.get("/portfolio/?sort=deviations").content.decode())
    assert list(by_deviations) == ["bravo", "alpha"]
    assert list(rows(client.get("/portfolio/?sort=nonsense").content.decode())) == [
        "alpha",
        "bravo",
    ]


def test_the_queries_do_not_grow_with_the_clients(client, agency, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(agency["user"])
    with CaptureQueriesContext(connection) as two:
        client.get("/portfolio/")
    for i in range(4):
        client_workspace(agency["user"], f"client{i}", [0.5], ["ok", "warning"], 1, 1)
    with CaptureQueriesContext(connection) as six:
        page = client.get("/portfolio/").content.decode()
    assert len(rows(page)) == 6
    assert len(six.captured_queries) <= len(two.captured_queries) + 6  # today() per client


def test_a_new_client_from_a_template(client, agency, vendor):
    from waypoint.connectors.models import Source
    from waypoint.kpis import services as kpis
    from waypoint.reports import dashboards
    from waypoint.reports.models import Dashboard, ReportTemplate
    from waypoint.workspaces.models import Workspace

    model = agency["alpha"]
    process = kpis.process_ensure(workspace=model, name="Funnel", actor=None)
    visits = Kpi.objects.filter(workspace=model).first()
    Kpi.objects.filter(pk=visits.pk).update(process=process, stage="Visits", warning=100)
    connectors.source_save(
        workspace=model,
        kind="http_json",
        values={
            "url": vendor.url + "/x",
            "path": "$.n",
            "headers": "Authorization: Bearer model-secret",
        },
        kpi=Kpi.objects.filter(workspace=model).last(),
        actor=None,
    )
    template = ReportTemplate.objects.create(workspace=model, name="Monthly", sections=["kpis"])
    template.kpis.set([visits])
    ReportSchedule.objects.create(workspace=model, recipients="boss@alpha.test", template=template)
    template.dashboard = dashboards.dashboard_save(
        workspace=model,
        actor=None,
        name="Client board",
        blocks=[{"type": "funnel", "process": process.pk}, {"type": "kpi", "kpi": visits.pk}],
    )
    template.save()
    client.force_login(agency["user"])
    response = client.post(
        "/portfolio/", {"template": model.pk, "name": "Charlie Foods", "slug": "charlie"}
    )
    assert response["Location"] == "/w/charlie/sources/"
    made = Workspace.objects.get(slug="charlie")
    assert made.members.get().user == agency["user"]
    new_kpis = {k.name: k for k in Kpi.objects.filter(workspace=made)}
    assert set(new_kpis) == set(Kpi.objects.filter(workspace=model).values_list("name", flat=True))
    copied = new_kpis[visits.name]
    assert (copied.warning, copied.stage, copied.process.name) == (100, "Visits", "Funnel")
    assert copied.process.workspace == made and not copied.data_points.exists()
    hook = Source.objects.get(workspace=made, kind="catch_hook")
    assert hook.hook_digest is None and "address" in hook.last_error
    source = Source.objects.get(workspace=made, kind="http_json")
    assert source.secret == "" and "fill in its credentials" in source.last_error
    assert source.settings["url"] == vendor.url + "/x" and source.next_run_at is None
    new_template = ReportTemplate.objects.get(workspace=made)
    assert list(new_template.kpis.all()) == [copied]
    assert new_template.dashboard.workspace == made  # the client's own blocks
    schedule = ReportSchedule.objects.get(workspace=made)
    assert schedule.template == new_template and not schedule.active and schedule.recipients == ""
    board = Dashboard.objects.get(workspace=made)
    assert board.blocks == [
        {"type": "funnel", "process": copied.process.pk},
        {"type": "kpi", "kpi": copied.pk},
    ]
    assert not Objective.objects.filter(workspace=made).exists()


def test_only_a_workspace_one_administers_is_a_template(client, agency, other_workspace):
    client.force_login(agency["user"])
    response = client.post(
        "/portfolio/", {"template": other_workspace.pk, "name": "Delta", "slug": "delta"}
    )
    assert response.status_code == 422
    from waypoint.workspaces.models import Workspace

    assert not Workspace.objects.filter(slug="delta").exists()
