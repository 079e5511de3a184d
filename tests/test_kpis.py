"""KPIs in the product: data in, health judged, deviations opened and closed, KRs moved."""

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waypoint.integrations.models import Notification as Alert
from waypoint.kpis import services as kpis
from waypoint.kpis.models import DataPoint, Deviation, Kpi
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn, Objective
from waypoint.okrs.templatetags.okrs import num
from waypoint.workspaces.models import AuditEntry

MON = dt.date(2026, 11, 16)


@pytest.fixture
def response_time(workspace, owner):
    return kpis.kpi_create(
        workspace=workspace,
        actor=None,
        name="Average response time",
        unit="h",
        direction="lower_is_better",
        frequency="weekly",
        aggregation="average",
        target=2,
        warning=4,
        critical=8,
        owner=owner,
    )


def record(kpi, *rows):
    """Points recorded, and what their commit sets off (alerts) run as the worker would."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return kpis.data_points_record(kpi=kpi, rows=list(rows), actor=None)


def test_a_later_value_for_a_date_replaces_the_earlier_and_is_audited(response_time):
    record(response_time, (MON, 3))
    result = record(response_time, (MON, 5))
    assert result.replaced == 1
    assert DataPoint.objects.get(kpi=response_time).value == 5
    entry = AuditEntry.objects.get(action="data_point.replace")
    assert entry.before == {"values": {MON.isoformat(): 3}}
    assert entry.after == {"values": {MON.isoformat(): 5}}
    created = AuditEntry.objects.get(action="data_point.create")
    assert created.after == {"count": 1, "first": MON.isoformat(), "last": MON.isoformat()}


def test_a_deviation_opens_on_a_breach_and_closes_on_recovery(response_time, owner):
    record(response_time, (MON, 2), (MON + dt.timedelta(1), 3))
    assert not Deviation.objects.exists()
    record(response_time, (MON + dt.timedelta(2), 10))  # the week's average: 5 h, a warning
    deviation = Deviation.objects.get()
    assert deviation.is_open and deviation.level == "warning" and deviation.owner == owner
    assert Alert.objects.filter(recipient=owner).count() == 1
    record(response_time, (MON + dt.timedelta(3), 20))  # average 8.75: critical
    deviation.refresh_from_db()
    assert deviation.level == "critical"
    next_week = MON + dt.timedelta(7)
    record(response_time, (next_week, 1.5))  # the new week is healthy
    deviation.refresh_from_db()
    assert deviation.closed_on is not None
    assert Alert.objects.filter(recipient=owner).count() == 3


def test_a_response_is_recorded_on_the_deviation(response_time, owner):
    record(response_time, (MON, 9))
    deviation = Deviation.objects.get()
    kpis.deviation_respond(
        deviation=deviation,
        response="improve_process",
        note="Triage rota",
        improvement=kpis.Improvement("", owner, response_time.workspace.today()),
        actor=None,
    )
    deviation.refresh_from_db()
    assert deviation.get_response_display() == "Analyse the causes and improve the process"


def test_a_key_result_tracking_a_kpi_moves_when_data_arrives(response_time, objective, owner):
    kr = okr.key_result_create(
        objective=objective,
        title="Response time from 6 to 2 hours",
        type="decrease",
        start=6,
        target=2,
        unit="h",
        actor=None,
    )
    kr.kpi = response_time
    kr.save()
    record(response_time, (MON, 4), (MON + dt.timedelta(1), 5))
    checkin = CheckIn.objects.get(key_result=kr)
    assert checkin.value == 4.5 and checkin.confidence == "at_risk"
    assert "Average response time" in checkin.comment
    kr.refresh_from_db()
    assert kr.progress == pytest.approx((6 - 4.5) / 4)
    record(response_time, (MON + dt.timedelta(7), 2))
    assert okr_selectors.current_checkin(kr).value == 2


def test_an_unhealthy_kpi_becomes_a_key_result_on_a_draft_objective(response_time, quarter, owner):
    record(response_time, (MON, 9))
    kr = kpis.kpi_promote(kpi=response_time, cycle=quarter, objective=None, owner=owner, actor=None)
    assert kr.kpi == response_time
    assert (kr.type, kr.start, kr.target) == ("decrease", 9, 2)
    assert kr.objective.status == Objective.Status.DRAFT


def test_a_kpi_already_on_target_is_not_promoted(response_time, quarter, owner):
    record(response_time, (MON, 1))
    with pytest.raises(Exception, match="nothing to improve"):
        kpis.kpi_promote(kpi=response_time, cycle=quarter, objective=None, owner=owner, actor=None)


def test_an_achieved_objective_suggests_kpis_that_keep_the_level(objective, key_result):
    okr.checkin_create(key_result=key_result, date=MON, value=66, actor=None)
    objective.refresh_from_db()
    (suggestion,) = kpis.keep_level_suggestions(objective)
    assert suggestion["target"] == 66 and suggestion["direction"] == "higher_is_better"
    assert suggestion["warning"] == pytest.approx(59.4)


def test_thresholds_on_the_wrong_side_are_refused(workspace):
    with pytest.raises(Exception, match="critical"):
        kpis.kpi_create(
            workspace=workspace,
            actor=None,
            name="Bad",
            direction="higher_is_better",
            warning=80,
            critical=90,
        )
    assert not Kpi.objects.exists()


# --- Through the web -------------------------------------------------------------------------


def test_a_csv_with_one_bad_row_writes_nothing_and_names_the_row(client, owner_user, response_time):
    client.force_login(owner_user)
    csv = b"date,value\n2026-11-16,3\n2026-11-17,abc\n2026-11-18,4\n"
    upload = io.BytesIO(csv)
    upload.name = "week.csv"
    response = client.post(f"/w/acme/kpis/{response_time.pk}/data/upload/", {"file": upload})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Row 3, column 2" in html and "abc" in html
    client.post(f"/w/acme/kpis/{response_time.pk}/data/confirm/")
    assert not DataPoint.objects.exists()


def test_a_good_xlsx_is_previewed_then_imported(client, owner_user, response_time):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Date", "Hours"])
    for i in range(5):
        sheet.append([MON + dt.timedelta(days=i), 2 + i * 0.5])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    data.name = "week.xlsx"
    client.force_login(owner_user)
    response = client.post(f"/w/acme/kpis/{response_time.pk}/data/upload/", {"file": data})
    assert response.status_code == 200 and "Import 5 rows" in response.content.decode()
    assert not DataPoint.objects.exists()
    client.post(f"/w/acme/kpis/{response_time.pk}/data/confirm/")
    assert DataPoint.objects.filter(kpi=response_time).count() == 5


def test_pasted_rows_with_decimal_commas_are_imported(client, owner_user, response_time):
    client.force_login(owner_user)
    client.post(
        f"/w/acme/kpis/{response_time.pk}/data/paste/",
        {"text": "16.11.2026\t3,5\n17.11.2026\t4,25\n"},
    )
    client.post(f"/w/acme/kpis/{response_time.pk}/data/confirm/")
    assert sorted(DataPoint.objects.values_list("value", flat=True)) == [3.5, 4.25]


def test_a_kpi_is_created_from_a_template(client, owner_user, workspace):
    client.force_login(owner_user)
    page = client.get("/w/acme/kpis/new/?template=plastered_m2").content.decode()
    assert 'value="Wall area plastered"' in page
    response = client.post(
        "/w/acme/kpis/new/",
        {
            "name": "Wall area plastered",
            "unit": "m²",
            "direction": "higher_is_better",
            "frequency": "daily",
            "aggregation": "sum",
            "target": "96",
            "warning": "80",
            "critical": "60",
            "process": "Construction",
            "stage": "Plastering",
            "template": "plastered_m2",
        },
    )
    kpi = Kpi.objects.get()
    assert response["Location"].startswith(f"/w/acme/kpis/{kpi.pk}/")
    assert kpi.process.name == "Construction" and kpi.template == "plastered_m2"


def test_the_derivation_page_gives_seed_002s_numbers(client, owner_user, workspace):
    client.force_login(owner_user)
    html = client.post(
        "/w/acme/kpis/derive/",
        {
            "form": "capacity",
            "output": "2000",
            "unit": "m²",
            "per": "month",
            "executors": "3",
            "time_unit": "day",
            "time_units": "21",
        },
    ).content.decode()
    assert "about 32 m² a day each" in html
    html = client.post(
        "/w/acme/kpis/derive/",
        {
            "form": "capacity",
            "output": "1",
            "unit": "article",
            "per": "week",
            "executors": "2",
            "time_unit": "week",
            "time_units": "1",
        },
    ).content.decode()
    assert "one article every 2 weeks each" in html
    client.post(
        "/w/acme/kpis/derive/",
        {
            "form": "funnel",
            "stages": "Blog visitors; 2\nLeads; 10\nDeals",
            "target": "10",
            "per": "month",
            "process": "Sales funnel",
            "save": "1",
        },
    )
    assert list(Kpi.objects.order_by("stage_position").values_list("name", "target")) == [
        ("Blog visitors", 5000),
        ("Leads", 100),
        ("Deals", 10),
    ]


def test_outsiders_get_404_and_viewers_cannot_enter_data(
    client, response_time, other_workspace, workspace, django_user_model
):
    from waypoint.workspaces import services as ws_services

    outsider = other_workspace.members.get().user
    client.force_login(outsider)
    for url in (f"/w/acme/kpis/{response_time.pk}/", "/w/acme/kpis/"):
        assert client.get(url).status_code == 404
    viewer = django_user_model.objects.create_user(email="v@acme.test", password="pw-12345-x")
    ws_services.member_add(workspace=workspace, user=viewer, role="viewer", actor=None)
    client.force_login(viewer)
    assert client.get(f"/w/acme/kpis/{response_time.pk}/").status_code == 200
    response = client.post(
        f"/w/acme/kpis/{response_time.pk}/data/", {"date": "2026-11-16", "value": "3"}
    )
    assert response.status_code == 403 and not DataPoint.objects.exists()


def test_the_kpi_page_draws_bands_target_annotations_and_forecast(
    client, owner_user, response_time, owner, quarter
):
    okr.cycle_set_current(cycle=quarter, actor=None)
    today = dt.date.today()
    record(
        response_time,
        (today - dt.timedelta(days=8), 3),
        (today - dt.timedelta(days=1), 5),
        (today, 5.5),
    )
    kpis.annotation_create(
        workspace=response_time.workspace,
        kpi=response_time,
        date=today,
        text="Two agents on holiday",
        actor=None,
    )
    client.force_login(owner_user)
    html = client.get(f"/w/acme/kpis/{response_time.pk}/").content.decode()
    assert '"zone"' in html and '"target"' in html and "Two agents on holiday" in html
    assert '"low"' in html  # the forecast band
    assert 'data-action="promote"' in html  # unhealthy: it can become a key result


def test_the_kpi_page_folds_its_data_points_and_opens_the_latest_on_demand(
    client, owner_user, response_time, other_workspace
):
    """The page draws periods; the points themselves are folded and read only when someone
    opens them: the latest 60, newest first, dated up to the page's window ahead."""
    today = dt.date.today()
    DataPoint.objects.bulk_create(
        [
            DataPoint(
                workspace=response_time.workspace,
                kpi=response_time,
                date=today - dt.timedelta(days=i),
                value=1000 + i,
            )
            for i in range(100)
        ]
        # A value planned ten years ahead stays out of the list, as out of the page.
        + [
            DataPoint(
                workspace=response_time.workspace,
                kpi=response_time,
                date=today + dt.timedelta(days=3650),
                value=7777,
            )
        ]
    )
    client.force_login(owner_user)
    points_url = f"/w/acme/kpis/{response_time.pk}/points/"
    page = client.get(f"/w/acme/kpis/{response_time.pk}/").content.decode()
    assert "101 data points" in page and f'hx-get="{points_url}"' in page
    assert ">1,000<" not in page and ">1000<" not in page  # no point drawn in the page

    rows = client.get(points_url, HTTP_HX_REQUEST="true").content.decode()
    values = [float(v.replace(",", "")) for v in re.findall(r"<td>([\d,.]+)</td>", rows)]
    assert values == [1000 + i for i in range(60)] and "<html" not in rows

    alone = client.get(points_url)  # without JavaScript: a page of its own
    assert alone.status_code == 200 and "<html" in alone.content.decode()
    assert "7777" not in alone.content.decode() and "7,777" not in alone.content.decode()

    theirs = kpis.kpi_create(workspace=other_workspace, actor=None, name="Rival KPI")
    assert client.get(f"/w/acme/kpis/{theirs.pk}/points/").status_code == 404


@pytest.mark.parametrize("url", ["/w/acme/kpis/", "/w/acme/kpis/processes/"])
def test_the_board_does_the_same_queries_for_10_and_1000_kpis(
    client, owner_user, workspace, owner, url
):
    client.force_login(owner_user)
    today = dt.date.today()

    def make(n, start):
        objs = [
            Kpi(
                workspace=workspace,
                name=f"K{start + i}",
                owner=owner,
                frequency=("daily", "weekly", "monthly", "quarterly")[i % 4],
                warning=5,
                critical=2,
            )
            for i in range(n)
        ]
        Kpi.objects.bulk_create(objs)
        DataPoint.objects.bulk_create(
            [
                DataPoint(workspace=workspace, kpi=o, date=today - dt.timedelta(days=d), value=d)
                for o in Kpi.objects.filter(name__in=[x.name for x in objs])
                for d in range(3)
            ]
        )

    make(10, 0)
    client.get(url)  # the first visit of the workspace remembers it in the session, once
    with CaptureQueriesContext(connection) as ten:
        assert client.get(url).status_code == 200
    make(990, 10)
    with CaptureQueriesContext(connection) as thousand:
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    if url == "/w/acme/kpis/":
        # The board shows a page of fifty, and the way to the other nineteen.
        assert len(set(re.findall(r'href="/w/acme/kpis/(\d+)/"', html))) == 50
        assert "Page 1 of 20" in html
    else:
        assert html.count('href="/w/acme/kpis/') >= 1000
    assert len(thousand.captured_queries) == len(ten.captured_queries) <= 20


def _tickets(workspace, owner):
    return kpis.kpi_create(
        workspace=workspace,
        actor=None,
        name="Tickets a month",
        unit="tickets",
        direction="within_band",
        frequency="monthly",
        aggregation="sum",
        target=400,
        warning=200,
        critical=100,
        warning_high=600,
        critical_high=800,
        owner=owner,
    )


def test_a_monthly_total_on_its_first_day_opens_no_deviation(workspace, owner, monkeypatch, client):
    """Tickets a month within 200-600: 11 tickets on the 1st are on pace for 341, not critical;
    the board says so. 45 by the 15th is on pace for 90: critical, and the owner is told."""
    tickets = _tickets(workspace, owner)
    day = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: day)
    record(tickets, (day.date(), 11))
    assert not Deviation.objects.exists() and not Alert.objects.exists()
    client.force_login(owner.user)
    html = client.get(f"/w/{workspace.slug}/kpis/").content.decode()
    assert "on pace for 341" in html
    day = dt.datetime(2026, 12, 15, 12, tzinfo=dt.UTC)
    record(tickets, *[(dt.date(2026, 12, d), 34 / 13) for d in range(2, 15)], (day.date(), 0))
    deviation = Deviation.objects.get()
    assert deviation.level == "critical" and deviation.opened_on == day.date()
    assert Alert.objects.filter(recipient=owner).count() == 1


def test_a_running_total_without_new_data_is_judged_each_morning(workspace, owner, monkeypatch):
    """No data since the 1st: at 6 in the workspace's time zone on the 8th, 11 tickets is on
    pace for 49, so the daily job opens the deviation and alerts the owner, once."""
    from waypoint.kpis.tasks import judge_kpis

    tickets = _tickets(workspace, owner)
    zone = workspace.zone
    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: dt.datetime(2026, 12, 1, 12, tzinfo=zone)
    )
    record(tickets, (dt.date(2026, 12, 1), 11))
    assert not Deviation.objects.exists()
    for hour in (5, 6, 6, 7):
        moment = dt.datetime(2026, 12, 8, hour, tzinfo=zone)
        monkeypatch.setattr("django.utils.timezone.now", lambda m=moment: m)
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            judge_kpis()  # what the periodic job runs
        assert Deviation.objects.exists() == (hour >= 6)
    deviation = Deviation.objects.get()
    assert deviation.level == "critical" and deviation.opened_on == dt.date(2026, 12, 8)
    assert Alert.objects.filter(recipient=owner).count() == 1


def test_a_running_summed_period_is_drawn_at_its_pace_as_it_is_judged(client, workspace, owner):
    """Three days into the month, 300 leads of 1,000 is on pace for 3,100: the chart shows
    that point beside the badge that says healthy, not 300 alone in the red band."""
    leads = kpis.kpi_create(
        workspace=workspace,
        actor=None,
        name="Leads",
        direction="higher_is_better",
        frequency="monthly",
        aggregation="sum",
        target=1000,
        warning=800,
        critical=500,
        owner=owner,
    )
    today = workspace.today()
    first = today.replace(day=1)
    record(leads, *[(first + dt.timedelta(days=i), 100) for i in range((today - first).days + 1)])
    client.force_login(owner.user)
    chart = client.get(f"/w/{workspace.slug}/kpis/{leads.pk}/").context["chart"]
    values = [layer["data"]["values"] for layer in chart["layer"] if "data" in layer]
    running = [row for rows in values for row in rows if row.get("pace") is not None]
    assert running, "the running period carries its pace"
    assert running[0]["pace"] > running[0]["value"]
    assert running[0]["status"] == "healthy"


def test_the_board_shows_the_periods_the_kpi_page_computes_without_reading_data(
    client, owner_user, workspace, owner, response_time
):
    """The board, the processes page and reports read each KPI's recent periods as its last
    judgement stored them: the same periods a fresh computation gives, after data, a changed
    value and new thresholds, and not one data point read."""
    from waypoint.kpis.selectors import SPARK_PERIODS, board_rows

    today = workspace.today()
    tickets = _tickets(workspace, owner)
    record(response_time, *[(today - dt.timedelta(days=d), 2 + d % 7) for d in range(0, 150, 2)])
    record(tickets, *[(today - dt.timedelta(days=d), 9 + d % 4) for d in range(400)])
    record(response_time, (today, 11.5))  # a later value for a date replaces the earlier
    kpis.kpi_update(kpi=tickets, warning=150, actor=None)
    for kpi in (response_time, tickets):
        kpi.refresh_from_db()
        fresh = kpis.kpi_periods(kpi, today, recent=True)[-SPARK_PERIODS:]
        assert len(fresh) == SPARK_PERIODS
        assert board_rows([kpi])[0].periods == fresh
    assert board_rows([tickets])[0].latest.pace is not None  # the running month, on its pace

    client.force_login(owner_user)
    pages = {}
    for url in ("/w/acme/kpis/", "/w/acme/kpis/processes/"):
        with CaptureQueriesContext(connection) as queries:
            pages[url] = client.get(url).content.decode()
        assert not [q for q in queries.captured_queries if "kpis_datapoint" in q["sql"]], url
    latest = board_rows([response_time])[0].latest
    assert f"<strong>{num(latest.value)}</strong> h" in pages["/w/acme/kpis/"]
