"""The agency's walk in a real browser (issue 17's scenario): a new client from a template,
its HTTP JSON source (a local server) and its catch hook connected, the KPIs filling, the
funnel drawn, and a report built from the template sent to the client, who then reads it
with the client role and nothing else."""

import datetime as dt
import json

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.conftest import verified
from waypoint.connectors import services as connectors
from waypoint.kpis import services as kpis
from waypoint.kpis.models import DataPoint, Kpi
from waypoint.reports import dashboards
from waypoint.reports.models import Report, ReportSchedule, ReportTemplate
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Role

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def model(db, django_user_model, vendor):
    """The agency's model client: a funnel of two KPIs, one fed by an API, one by a hook; a
    report template and schedule; a dashboard with the funnel."""
    user = verified(
        django_user_model.objects.create_user(
            email="ada@agency.test", password="a-Long-pass-2026", full_name="Ada Agency"
        )
    )
    ws = ws_services.workspace_create(name="Model client", slug="model", owner=user, actor=user)
    funnel = kpis.process_ensure(workspace=ws, name="Marketing funnel", actor=None)
    visits = kpis.kpi_create(
        workspace=ws, name="Visits", frequency="daily", process=funnel, stage="Visits", actor=None
    )
    leads = kpis.kpi_create(
        workspace=ws,
        name="Leads",
        frequency="daily",
        process=funnel,
        stage="Leads",
        stage_position=1,
        actor=None,
    )
    connectors.source_save(
        workspace=ws,
        kind="http_json",
        values={"url": vendor.url + "/visits", "path": "$.rows[*]"},
        kpi=visits,
        actor=None,
    )
    connectors.source_save(workspace=ws, kind="catch_hook", values={}, kpi=leads, actor=None)
    template = ReportTemplate.objects.create(
        workspace=ws, name="Monthly", sections=["kpis", "summary"]
    )
    template.kpis.set([visits, leads])
    ReportSchedule.objects.create(workspace=ws, recipients="boss@model.test", template=template)
    dashboards.dashboard_save(
        workspace=ws,
        actor=None,
        name="Funnel board",
        blocks=[{"type": "funnel", "process": funnel.pk}],
    )
    return {"user": user}


def test_an_agency_makes_a_client_connects_it_and_reports_to_it(page, live_server, model, vendor):
    today = dt.date.today()
    rows = [
        {"date": (today - dt.timedelta(days=i)).isoformat(), "value": 900 + i} for i in range(5)
    ]
    vendor.route("GET", "/visits")(lambda req: (200, {"rows": rows}))
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "ada@agency.test")
    page.fill("input[name=password]", "a-Long-pass-2026")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    # The portfolio: a new client from the model.
    page.goto(base + "/portfolio/")
    page.select_option("#new-client select[name=template]", label="Model client")
    page.fill("#new-client input[name=name]", "Charlie Foods")
    page.fill("#new-client input[name=slug]", "charlie")
    with page.expect_navigation():
        page.click("#new-client button[type=submit]")
    assert page.url.endswith("/w/charlie/sources/")
    assert page.locator("#source-list tbody tr").count() == 2

    # Its HTTP JSON source, pulled now: the Visits KPI fills.
    with page.expect_navigation():
        page.click("#source-list a:text('HTTP JSON')")
    with page.expect_navigation():
        page.click("button[value=pull]")
    page.wait_for_selector("#pulls tr.pull-ok")
    visits = Kpi.objects.get(workspace__slug="charlie", name="Visits")
    assert DataPoint.objects.filter(kpi=visits).count() == 5

    # Its catch hook: a new address, and a post from "Zapier".
    page.goto(base + "/w/charlie/sources/")
    with page.expect_navigation():
        page.click("#source-list a:text('Catch hook')")
    with page.expect_navigation():
        page.click("button[value=hook]")
    address = page.input_value("[data-hook-url]")
    answer = page.request.post(
        address,
        data=json.dumps({"date": (today - dt.timedelta(days=1)).isoformat(), "value": 180}),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status == 200
    leads = Kpi.objects.get(workspace__slug="charlie", name="Leads")
    assert DataPoint.objects.get(kpi=leads).value == 180

    # The funnel draws from the client's own KPIs.
    page.goto(base + "/w/charlie/dashboards/")
    with page.expect_navigation():
        page.click("#dashboard-list a")
    funnel = page.locator("[data-funnel]")
    expect(funnel).to_have_attribute("data-rendered", "1", timeout=20_000)
    assert funnel.locator("svg .mark-rect path").count() == 2
    assert "Leads: 180 · 20 %" in page.locator(".funnel-list").inner_text().replace("\n", " ")

    # A report from the template, sent to the client's address.
    page.goto(base + "/w/charlie/reports/")
    page.fill("form.card textarea[name=recipients]", "cfo@charlie.test")
    page.check("input[name=active]")
    with page.expect_navigation():
        page.click("form[action$='/reports/schedule/'] button[type=submit]")
    page.select_option("select[name=template]", label="Monthly")
    page.fill("input[name=period_start]", (today - dt.timedelta(days=6)).isoformat())
    page.fill("input[name=period_end]", today.isoformat())
    with page.expect_navigation():
        page.click("main form.card button[type=submit]")
    with page.expect_navigation():
        page.click("[data-action=send]")
    report = Report.objects.get(workspace__slug="charlie")
    assert report.sent_at is not None
    sent = [m for m in mail.outbox if "cfo@charlie.test" in m.to]
    assert sent and sent[0].attachments[0][2] == "application/pdf"

    # The client, invited with the client role, reads the report and nothing else.
    cfo = ws_services.member_ensure(
        workspace=report.workspace, email="cfo@charlie.test", role=Role.CLIENT, actor=None
    )
    cfo.user.set_password("Client-pass-2026")
    cfo.user.save()
    verified(cfo.user)
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "cfo@charlie.test")
    page.fill("input[name=password]", "Client-pass-2026")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.goto(base + "/w/charlie/")
    assert page.url.endswith("/w/charlie/reports/")
    assert page.locator("#client-reports a", has_text=report.title).count() == 1
    page.goto(base + "/w/charlie/kpis/")
    assert page.url.endswith("/w/charlie/reports/")
