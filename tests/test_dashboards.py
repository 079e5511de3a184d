"""Dashboards: built from blocks (a KPI's chart, a process's funnel, OKR progress, open
deviations, annotations, text), moved and removed; shared read-only through a link that
another site may frame, with a wallboard that refreshes itself; nothing private shown."""

import datetime as dt
import json

import pytest

from tests.conftest import SECRET
from waypoint.kpis import services as kpis
from waypoint.kpis.models import Kpi
from waypoint.reports import dashboards
from waypoint.reports.models import Dashboard, ReportTemplate, ShareLink


@pytest.fixture
def funnel(workspace, owner):
    process = kpis.process_ensure(workspace=workspace, name="Marketing funnel", actor=None)
    day = workspace.today() - dt.timedelta(days=1)
    made = []
    for position, (stage, value) in enumerate(
        [("Visitors", 1000), ("Leads", 250), ("Customers", 50)]
    ):
        kpi = kpis.kpi_create(
            workspace=workspace,
            name=f"{stage} a day",
            frequency="daily",
            aggregation="sum",
            process=process,
            stage=stage,
            stage_position=position,
            actor=None,
        )
        kpis.data_points_record(kpi=kpi, rows=[(day, value)], actor=None)
        made.append(kpi)
    return {"process": process, "kpis": made}


def add(client, dashboard, **block):
    return client.post(f"/w/acme/dashboards/{dashboard.pk}/", {"action": "add", **block})


def test_a_dashboard_is_built_block_by_block(client, owner_user, funnel, workspace):
    client.force_login(owner_user)
    response = client.post("/w/acme/dashboards/", {"name": "Client board", "refresh_seconds": 120})
    dashboard = Dashboard.objects.get()
    assert response["Location"] == f"/w/acme/dashboards/{dashboard.pk}/"
    add(client, dashboard, type="funnel", process=funnel["process"].pk)
    add(client, dashboard, type="kpi", kpi=funnel["kpis"][0].pk)
    add(client, dashboard, type="okrs")
    add(client, dashboard, type="deviations")
    add(client, dashboard, type="annotations")
    add(client, dashboard, type="text", text="Q4: the funnel first.")
    dashboard.refresh_from_db()
    assert [b["type"] for b in dashboard.blocks] == [
        "funnel", "kpi", "okrs", "deviations", "annotations", "text"
    ]  # fmt: skip
    # Moved and removed.
    client.post(f"/w/acme/dashboards/{dashboard.pk}/", {"action": "up", "index": 5})
    client.post(f"/w/acme/dashboards/{dashboard.pk}/", {"action": "remove", "index": 3})
    dashboard.refresh_from_db()
    assert [b["type"] for b in dashboard.blocks] == ["funnel", "kpi", "okrs", "text", "annotations"]
    page = client.get(f"/w/acme/dashboards/{dashboard.pk}/").content.decode()
    assert 'data-block="funnel"' in page and "Q4: the funnel first." in page
    # The funnel: stages in order, each with the share it keeps of the one before.
    blocks = dashboards.content(dashboard, workspace.members.get(), workspace.today())
    stages = blocks[0]["stages"]
    assert [(s["label"], s["value"], s["kept"]) for s in stages] == [
        ("Visitors", 1000, "—"),
        ("Leads", 250, "25 %"),
        ("Customers", 50, "20 %"),
    ]
    assert blocks[0]["spec"]["data"]["values"] == stages


def test_blocks_are_checked(client, owner_user, other_workspace, workspace):
    client.force_login(owner_user)
    dashboard = dashboards.dashboard_save(workspace=workspace, actor=None, name="Board")
    theirs = Kpi.objects.create(workspace=other_workspace, name="Theirs")
    add(client, dashboard, type="kpi", kpi=theirs.pk)
    add(client, dashboard, type="text", text="  ")
    add(client, dashboard, type="nonsense")
    dashboard.refresh_from_db()
    assert dashboard.blocks == []
    with pytest.raises(Exception, match="At most 24 blocks"):
        dashboards.dashboard_save(
            workspace=workspace, actor=None, dashboard=dashboard, blocks=[{"type": "okrs"}] * 25
        )


def test_viewers_read_and_only_editors_build(client, workspace, funnel, teammate):
    from waypoint.workspaces.models import Role

    dashboard = dashboards.dashboard_save(
        workspace=workspace, actor=None, name="Board", blocks=[{"type": "okrs"}]
    )
    teammate.role = Role.VIEWER
    teammate.save()
    client.force_login(teammate.user)
    assert client.get(f"/w/acme/dashboards/{dashboard.pk}/").status_code == 200
    assert add(client, dashboard, type="okrs").status_code == 403
    assert (
        client.post("/w/acme/dashboards/", {"name": "Mine", "refresh_seconds": 60}).status_code
        == 403
    )
    assert client.get(f"/w/acme/dashboards/{dashboard.pk}/wall/").status_code == 200


def test_shared_read_only_framable_and_nothing_private(
    client, owner_user, workspace, funnel, secret
):
    dashboard = dashboards.dashboard_save(
        workspace=workspace,
        actor=None,
        name="For the client",
        blocks=[{"type": "okrs"}, {"type": "funnel", "process": funnel["process"].pk}],
    )
    client.force_login(owner_user)
    client.post(f"/w/acme/dashboards/{dashboard.pk}/", {"action": "share", "days": 7})
    link = ShareLink.objects.get(dashboard=dashboard)
    page = client.get(f"/w/acme/dashboards/{dashboard.pk}/").content.decode()
    assert f"/share/{link.token}/?wall=1" in page  # the iframe to paste
    client.logout()
    shared = client.get(f"/share/{link.token}/")
    html = shared.content.decode()
    assert shared.status_code == 200 and "For the client" in html and "Visitors" in html
    assert SECRET not in html and secret["objective"].title not in html
    assert "X-Frame-Options" not in shared.headers
    assert "frame-ancestors *" in shared.headers["Content-Security-Policy"]
    assert shared.headers["Referrer-Policy"] == "no-referrer"
    wall = client.get(f"/share/{link.token}/?wall=1").content.decode()
    assert '<meta http-equiv="refresh" content="300">' in wall
    # Other pages stay unframable.
    client.force_login(owner_user)
    assert client.get("/w/acme/").headers["X-Frame-Options"] == "DENY"
    # Revoked, the link shows nothing.
    client.post(f"/w/acme/share-links/{link.pk}/revoke/")
    client.logout()
    assert client.get(f"/share/{link.token}/").status_code == 404


def test_the_content_reads_a_bounded_number_of_queries(
    workspace, funnel, django_assert_max_num_queries
):
    blocks = [{"type": "kpi", "kpi": k.pk} for k in funnel["kpis"]] * 6 + [
        {"type": "funnel", "process": funnel["process"].pk},
        {"type": "okrs"},
        {"type": "deviations"},
        {"type": "annotations"},
    ]
    dashboard = dashboards.dashboard_save(
        workspace=workspace, actor=None, name="Big", blocks=blocks
    )
    member = workspace.members.get()
    with django_assert_max_num_queries(12):
        found = dashboards.content(dashboard, member, workspace.today())
    assert len(found) == 22 and json.dumps(found[0]["spec"])


def test_a_report_draws_the_funnel_of_its_period_on_the_page_and_in_the_pdf(
    client, owner_user, workspace, funnel
):
    import subprocess

    from waypoint.reports import services as reports

    day = workspace.today() - dt.timedelta(days=1)
    report = reports.report_create(
        workspace=workspace,
        title="The month",
        period_start=day - dt.timedelta(days=20),
        period_end=day,
        by=None,
        actor=None,
    )
    client.force_login(owner_user)
    page = client.get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert "data-report-funnel" in page and "Customers</strong>: 50 · 20 %" in page
    pdf = client.get(f"/w/acme/reports/{report.pk}/pdf/")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Funnel" in text and "Leads: 250 · 25 %" in text
    # A template without the funnel leaves it out.
    report.sections = ["kpis"]
    report.save()
    assert "data-report-funnel" not in client.get(f"/w/acme/reports/{report.pk}/").content.decode()


def test_a_report_template_draws_a_dashboards_blocks(client, owner_user, workspace, funnel, secret):
    import subprocess

    from waypoint.reports import services as reports

    board = dashboards.dashboard_save(
        workspace=workspace,
        actor=None,
        name="Client blocks",
        blocks=[
            {"type": "funnel", "process": funnel["process"].pk},
            {"type": "text", "text": "Quokka-note for the client"},
            {"type": "okrs"},
        ],
    )
    client.force_login(owner_user)
    client.post(
        "/w/acme/reports/templates/",
        {"name": "With blocks", "sections": ["summary", "kpis"], "dashboard": board.pk},
    )
    template = ReportTemplate.objects.get(name="With blocks")
    assert template.dashboard == board
    day = workspace.today() - dt.timedelta(days=1)
    report = reports.report_create(
        workspace=workspace,
        title="Month",
        period_start=day - dt.timedelta(days=10),
        period_end=day,
        template=template,
        by=None,
        actor=None,
    )
    assert report.dashboard == board
    page = client.get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert "data-report-blocks" in page and "Quokka-note for the client" in page
    assert secret["objective"].title not in page  # blocks read as a share link reads them
    pdf = client.get(f"/w/acme/reports/{report.pk}/pdf/")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Client blocks" in text and "Quokka-note for the client" in text
    assert "Leads: 250 · 25 %" in text
