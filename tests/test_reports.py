"""Reports of the demo workspace: the web page, the PDF with its charts, share links."""

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import rolled_back_once_per_module
from waypoint import demo
from waypoint.reports import services
from waypoint.reports.models import Report

TODAY = dt.date(2026, 11, 22)
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="module")
def report_id(django_db_setup, django_db_blocker):
    with rolled_back_once_per_module(django_db_blocker):
        yield _demo_report().pk


@pytest.fixture
def report(db, report_id):
    return Report.objects.select_related("workspace").get(pk=report_id)


def _demo_report() -> Report:
    ws = demo.load_demo(today=TODAY)
    anna = ws.members.get(user__email=demo.DEMO_LOGIN)
    return services.report_create(
        workspace=ws,
        title="Brightstone: October and November",
        by=anna,
        actor=None,
        period_start=dt.date(2026, 10, 1),
        period_end=TODAY,
        summary="Gypsum deliveries slipped twice; the autumn campaign lifted blog traffic.",
    )


def _tool(name):
    if shutil.which(name) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs poppler-utils")
        pytest.skip(f"{name} (poppler-utils) is needed")


def test_the_pdf_has_the_summary_the_okrs_and_the_charts(report, tmp_path):
    import gc

    from waypoint.reports.selectors import report_pdf as _pdf

    _tool("pdftotext")
    gc.collect()
    data = _pdf(report, "en")
    # What the rendering left in reference cycles went with it, not on a later request.
    assert gc.collect() < 1_000
    assert data[:5] == b"%PDF-"
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Gypsum deliveries slipped twice" in text
    assert "Turn online visitors into families holding our keys" in text
    assert "Wall area plastered" in text and "Gypsum supplier delayed" in text
    # The charts are there as vector drawings with their own axis text.
    assert text.count("Date") >= 3
    pages = int(
        subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        .stdout.split("Pages:")[1]
        .split()[0]
    )
    assert pages >= 2
    _tool("pdftoppm")
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "2",
            str(path),
            str(ARTIFACTS / "report-page"),
        ],
        check=True,
    )
    assert (ARTIFACTS / "report-page-1.png").stat().st_size > 10_000


def test_the_report_page_and_a_share_link(client, report):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(email=demo.DEMO_LOGIN))
    page = client.get(f"/w/brightstone/reports/{report.pk}/").content.decode()
    assert "Gypsum deliveries slipped" in page and 'data-vega-spec="kpi-' in page
    client.post(f"/w/brightstone/reports/{report.pk}/share/", {"days": "7"})
    link = report.share_links.get()
    client.logout()
    shared = client.get(f"/share/{link.token}/")
    assert shared.status_code == 200 and "Gypsum deliveries slipped" in shared.content.decode()
    assert "/w/brightstone/" not in shared.content.decode()  # nothing else reachable
    services.share_link_revoke(link=link, actor=None)
    assert client.get(f"/share/{link.token}/").status_code == 404
    assert client.get("/share/not-a-token/").status_code == 404


def test_the_report_page_reads_its_workspace_once_with_the_request(client, report):
    """The workspace of the URL is the report's: found there, the report is not followed
    back to it (one read for the request, one for the workspace switcher)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(get_user_model().objects.get(email=demo.DEMO_LOGIN))
    with CaptureQueriesContext(connection) as seen:
        assert client.get(f"/w/brightstone/reports/{report.pk}/").status_code == 200
    reads = [q["sql"] for q in seen if 'FROM "workspaces_workspace"' in q["sql"]]
    assert len(reads) == 2, reads


def test_the_report_page_reads_processes_and_linked_items_with_their_rows(client, report):
    """The funnel's processes come with their KPIs, and the state of the item an initiative
    is linked to with the deviation responses that opened them: not a query for each (they
    were, on the report and on the KPI page)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waypoint.kpis.models import DeviationResponse

    client.force_login(get_user_model().objects.get(email=demo.DEMO_LOGIN))
    with CaptureQueriesContext(connection) as seen:
        assert client.get(f"/w/brightstone/reports/{report.pk}/").status_code == 200
    alone = [
        q["sql"] for q in seen if re.search(r'FROM "(kpis_process|connectors_source)"', q["sql"])
    ]
    assert alone == []
    assert (
        "data-report-funnel" in client.get(f"/w/brightstone/reports/{report.pk}/").content.decode()
    )
    kpi_ids = set(DeviationResponse.objects.values_list("deviation__kpi_id", flat=True))
    assert kpi_ids
    for kpi_id in kpi_ids:
        with CaptureQueriesContext(connection) as seen:
            assert client.get(f"/w/brightstone/kpis/{kpi_id}/").status_code == 200
        assert not [
            q
            for q in seen
            if 'FROM "connectors_source" WHERE "connectors_source"."initiative_id"' in q["sql"]
        ]


def test_an_expired_link_is_a_404(client, report):
    link = services.share_link_create(report=report, days=1, actor=None)
    link.expires_at = link.created_at - dt.timedelta(seconds=1)
    link.save()
    assert client.get(f"/share/{link.token}/").status_code == 404


def test_private_objectives_stay_out_of_reports(report):
    from waypoint.okrs.models import Objective
    from waypoint.reports.selectors import report_content

    secret = Objective.objects.filter(workspace=report.workspace, cycle__name="2026-Q4").first()
    secret.private = True
    secret.save()
    titles = [r.objective.title for r in report_content(report)["rows"]]
    assert secret.title not in titles


def test_viewers_read_reports_but_do_not_write_them(client, report):
    from waypoint.workspaces.models import Member

    viewer = Member.objects.get(workspace=report.workspace, role="viewer").user
    client.force_login(viewer)
    assert client.get(f"/w/brightstone/reports/{report.pk}/").status_code == 200
    assert client.post(f"/w/brightstone/reports/{report.pk}/", {"summary": "x"}).status_code == 403
    assert client.post(f"/w/brightstone/reports/{report.pk}/share/").status_code == 403
    assert Report.objects.get(pk=report.pk).summary.startswith("Gypsum")


def test_the_monthly_report_is_mailed_as_a_pdf_on_the_first_monday(report, mailoutbox):
    from waypoint.reports.models import ReportSchedule

    ws = report.workspace
    schedule = services.schedule_save(
        workspace=ws,
        recipients="client@acme.test\nanna@x.test",
        active=True,
        send_as_drafted=True,  # without review (the review is in test_report_drafting)
        actor=None,
    )
    assert services.send_scheduled(schedule, dt.date(2026, 12, 8)) is None  # second Monday
    sent = services.send_scheduled(schedule, dt.date(2026, 12, 7))
    assert sent.period_start == dt.date(2026, 11, 1) and sent.period_end == dt.date(2026, 11, 30)
    (mail,) = mailoutbox
    assert mail.to == ["client@acme.test", "anna@x.test"]
    name, data, mimetype = mail.attachments[0]
    assert name == "report-2026-11.pdf" and data[:5] == b"%PDF-" and mimetype == "application/pdf"
    assert services.send_scheduled(ReportSchedule.objects.get(), dt.date(2026, 12, 7)) is None


def test_a_schedule_refuses_a_bad_address(report):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.schedule_save(
            workspace=report.workspace, recipients="not an address", active=True, actor=None
        )


def test_the_brand_colour_is_set_in_the_settings(client, report):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(email=demo.DEMO_LOGIN))
    client.post(
        "/w/brightstone/settings/",
        {
            "name": "Brightstone Homes",
            "time_zone": "UTC",
            "language": "en",
            "brand_colour": "#0d9488",
        },
    )
    report.workspace.refresh_from_db()
    assert report.workspace.brand_colour == "#0d9488"
    page = client.get(
        f"/share/{services.share_link_create(report=report, days=1, actor=None).token}/"
    )
    assert "#0d9488" in page.content.decode()


def test_a_deviation_belongs_to_the_period_whose_data_breached(report):
    """Noticed on 3 December about November's figures: November's report shows it; a
    deviation about December's figures does not appear there."""
    from waypoint.kpis.models import Deviation, Kpi
    from waypoint.reports.selectors import report_content

    Deviation.objects.all().delete()
    tickets = Kpi.objects.get(workspace=report.workspace, name="Tickets a month")
    late = Deviation.objects.create(
        workspace=report.workspace,
        kpi=tickets,
        level="warning",
        period_start=dt.date(2026, 11, 1),
        opened_on=dt.date(2026, 12, 3),
        closed_on=dt.date(2026, 12, 20),
    )
    Deviation.objects.create(
        workspace=report.workspace,
        kpi=tickets,
        level="critical",
        period_start=dt.date(2026, 12, 1),
        opened_on=dt.date(2026, 12, 2),
    )
    assert report_content(report)["deviations"] == [late]


def test_a_running_monthly_total_is_judged_and_drawn_on_its_pace(report):
    """The report ends on 22 November: November's tickets so far are judged on their pace,
    and the chart shows the pace as its own point, with tooltips in the reader's language."""
    from django.utils import translation

    from waypoint.reports.selectors import report_content

    with translation.override("pl"):
        items = {i["kpi"].name: i for i in report_content(report)["kpis"]}
    tickets = items["Tickets a month"]
    latest = tickets["latest"]
    assert latest.start == dt.date(2026, 11, 1) and latest.value < 300
    assert latest.pace == pytest.approx(latest.value * 30 / 22)
    assert latest.status == "healthy"
    layers = tickets["spec"]["layer"]
    (point,) = [layer for layer in layers if layer["mark"]["type"] == "point"]
    assert point["encoding"]["y"]["field"] == "pace"
    assert point["data"]["values"][0]["pace"] == pytest.approx(latest.pace)
    rows = next(layer["data"]["values"] for layer in layers if layer["mark"]["type"] == "line")
    assert rows[-1]["status_label"] == "W normie"


def test_a_kpi_of_the_report_says_its_last_period_target_and_pace_escaped(client, report):
    """Each KPI (the ``report_kpis`` tag): its name and unit escaped, its last period, its
    target, the pace of a running period, then its chart's spec for the browser; in the
    reader's language."""
    from django.contrib.auth import get_user_model

    from waypoint.kpis.models import Kpi

    kpi = Kpi.objects.get(workspace=report.workspace, name="Tickets a month")
    Kpi.objects.filter(pk=kpi.pk).update(name="Tickets <b>a month</b>", unit="<i>t</i>")
    client.force_login(get_user_model().objects.get(email=demo.DEMO_LOGIN))
    page = client.get(f"/w/brightstone/reports/{report.pk}/").content.decode()
    item = page.split('<div class="report-kpi"><h3>Tickets &lt;b&gt;a month&lt;/b&gt; ')[1]
    item = item.split('<div class="report-kpi">')[0]
    assert "<b>" not in item and "<i>" not in item
    assert re.match(r'<small class="muted">last period [\d,.]+ &lt;i&gt;t&lt;/i&gt; ', item)
    assert re.search(r"· target [\d,.]+ <small class=\"muted kpi-pace\" title=\"The period", item)
    assert re.search(r">so far; on pace for [\d,.]+</small></small></h3>", item)
    assert (
        f'<div class="chart" data-vega-spec="kpi-{kpi.pk}" data-vega-locale="chart-locale">' in item
    )
    assert f'<script id="kpi-{kpi.pk}" type="application/json">{{"$schema"' in item
    client.cookies["django_language"] = "pl"
    page = client.get(f"/w/brightstone/reports/{report.pk}/").content.decode()
    item = page.split('<div class="report-kpi"><h3>Tickets &lt;b&gt;a month&lt;/b&gt; ')[1]
    head = item.split("</h3>")[0]
    assert "ostatni okres: " in head and ">jak dotąd; w tym tempie wyjdzie " in head


def test_the_pdf_is_in_the_language_asked_for_whoever_asks(report, tmp_path):
    """The schedule, the API and the web all call report_pdf with a language; the PDF is in
    it without the caller switching languages first."""
    from waypoint.reports.selectors import report_pdf

    _tool("pdftotext")
    path = tmp_path / "raport.pdf"
    path.write_bytes(report_pdf(report, "pl"))
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Podsumowanie" in text and "ostatni okres" in text
    assert "last period" not in text
    assert "listopad" in text.lower()  # the charts' date axes are in Polish too
    assert re.search(r"20\s172 / 50\s000 leads", text)  # thousands grouped as in Polish
    assert "01-10-2026 – 22-11-2026" in text and "0,4" in text  # Polish dates, decimal commas
