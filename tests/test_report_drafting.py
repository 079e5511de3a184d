"""Reports that say something: a summary drafted from the period's data in the workspace's
language, a scheduled report that waits for review (or goes as drafted when told to), and
report templates that choose sections, teams and KPIs."""

import datetime as dt
from unittest import mock

import pytest
from django.test import TestCase
from django.utils import timezone

from waypoint.integrations.models import Notification
from waypoint.kpis import services as kpis
from waypoint.kpis.models import Deviation
from waypoint.okrs import services as okr
from waypoint.reports import drafting, services
from waypoint.reports.models import Report, ReportSchedule
from waypoint.workspaces.models import AuditEntry

MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
FIRST_MONDAY_OF_APRIL = dt.date(2026, 4, 6)


def at(day):
    moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    return mock.patch.object(timezone, "now", lambda: moment)


@pytest.fixture
def march(workspace, owner, key_result, teammate):
    """A month with a key result that moved, a KPI that breached, a response that worked
    and an external factor."""
    okr.checkin_create(key_result=key_result, date=dt.date(2026, 2, 20), value=56, actor=None)
    okr.checkin_create(key_result=key_result, date=dt.date(2026, 3, 20), value=63, actor=None)
    kpi = kpis.kpi_create(
        workspace=workspace,
        actor=None,
        name="Uptime",
        unit="%",
        frequency="weekly",
        aggregation="average",
        warning=99,
        critical=95,
        owner=owner,
    )
    with at(dt.date(2026, 3, 4)):
        kpis.data_points_record(kpi=kpi, rows=[(dt.date(2026, 3, 2), 94)], actor=None)
        deviation = Deviation.objects.get(kpi=kpi)
        kpis.deviation_respond(
            deviation=deviation, response="change_executor", executor=teammate, actor=None
        )
    with at(dt.date(2026, 3, 17)):
        kpis.data_points_record(
            kpi=kpi, rows=[(dt.date(2026, 3, 9), 99.5), (dt.date(2026, 3, 16), 99.7)], actor=None
        )
    kpis.annotation_create(
        workspace=workspace, date=dt.date(2026, 3, 10), text="Data centre move", kpi=kpi, actor=None
    )
    return kpi


def test_a_summary_is_drafted_from_what_moved_breached_worked_and_happened(workspace, march):
    report = services.report_create(
        workspace=workspace,
        title="March",
        period_start=MARCH[0],
        period_end=MARCH[1],
        by=None,
        actor=None,
    )
    text = drafting.draft_summary(report)
    assert "Moved forward:" in text and "from 9 % to 73 %" in text
    assert "1 KPI left its band: “Uptime”." in text and "1 came back: “Uptime”." in text
    assert "“Change the executor” brought “Uptime” back into its band." in text
    assert "Data centre move (2026-03-10)" in text
    quiet = services.report_create(
        workspace=workspace,
        title="May",
        period_start=dt.date(2026, 5, 1),
        period_end=dt.date(2026, 5, 31),
        by=None,
        actor=None,
    )
    # No cycle in May: nothing to say of OKRs; the KPIs were calm.
    assert drafting.draft_summary(quiet) == "Every KPI stayed within its thresholds."


def test_the_draft_is_in_the_workspaces_language(workspace, march):
    workspace.language = "ru"
    workspace.save()
    report = services.report_create(
        workspace=workspace,
        title="Март",
        period_start=MARCH[0],
        period_end=MARCH[1],
        by=None,
        actor=None,
    )
    text = drafting.draft_summary(report)
    assert (
        "Продвинулись:" in text and "Реакция «Менять исполнителя» вернула «Uptime» в норму." in text
    )
    assert "Moved forward" not in text and "Worth knowing" not in text


def test_a_scheduled_report_waits_for_review_then_is_sent(workspace, owner, march, mailoutbox):
    ReportSchedule.objects.create(workspace=workspace, recipients="client@example.com")
    schedule = ReportSchedule.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        report = services.send_scheduled(schedule, FIRST_MONDAY_OF_APRIL)
    assert (report.period_start, report.period_end) == MARCH
    assert "Moved forward" in report.summary and report.sent_at is None
    assert not [m for m in mailoutbox if "client@example.com" in m.to]  # not yet
    asked = Notification.objects.get(recipient=owner, kind="report_review")
    assert "drafted summary" in asked.text
    assert services.send_scheduled(schedule, FIRST_MONDAY_OF_APRIL) is None  # once
    services.report_update(report=report, summary="Edited by the agency.", actor=None)
    services.report_send(report=report, actor=None)
    (mail,) = [m for m in mailoutbox if "client@example.com" in m.to]
    assert mail.body.startswith("Edited by the agency.")
    assert mail.attachments[0][0] == "report-2026-03.pdf"
    report.refresh_from_db()
    assert report.sent_at is not None
    assert AuditEntry.objects.filter(action="report.send").count() == 1


def test_a_schedule_told_to_sends_the_draft_as_it_is(workspace, march, mailoutbox):
    ReportSchedule.objects.create(
        workspace=workspace, recipients="client@example.com", send_as_drafted=True
    )
    report = services.send_scheduled(ReportSchedule.objects.get(), FIRST_MONDAY_OF_APRIL)
    (mail,) = [m for m in mailoutbox if "client@example.com" in m.to]
    assert "Moved forward" in mail.body and report.sent_at is not None
    assert not Notification.objects.filter(kind="report_review").exists()


def test_a_draft_that_cannot_be_sent_waits_for_review_instead(workspace, owner, march):
    ReportSchedule.objects.create(
        workspace=workspace, recipients="client@example.com", send_as_drafted=True
    )
    failing = mock.patch.object(services, "report_send", side_effect=OSError("no route"))
    with failing, TestCase.captureOnCommitCallbacks(execute=True):
        report = services.send_scheduled(ReportSchedule.objects.get(), FIRST_MONDAY_OF_APRIL)
    assert Report.objects.get(pk=report.pk).sent_at is None
    assert Notification.objects.filter(recipient=owner, kind="report_review").exists()


def test_a_template_chooses_the_sections_teams_and_kpis(
    client, owner_user, workspace, march, key_result
):
    from waypoint.workspaces import services as ws_services

    team = ws_services.team_create(workspace=workspace, name="Growth", actor=None)
    client.force_login(owner_user)
    answer = client.post(
        "/w/acme/reports/templates/",
        {
            "name": "Client monthly",
            "sections": ["summary", "deviations"],
            "kpis": [march.pk],
            "teams": [team.pk],
        },
    )
    assert answer.status_code == 302
    template = workspace.report_templates.get()
    assert template.sections == ["summary", "deviations"]
    bad = client.post("/w/acme/reports/templates/", {"name": "Empty"}, follow=True)
    assert (
        "Choose at least one section" in bad.content.decode() or "required" in bad.content.decode()
    )
    answer = client.post(
        "/w/acme/reports/",
        {
            "title": "March",
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
            "template": template.pk,
        },
    )
    report = Report.objects.get(title="March")
    assert answer.status_code == 302
    assert list(report.kpis.all()) == [march] and list(report.teams.all()) == [team]
    page = client.get(f"/w/acme/reports/{report.pk}/").content.decode()
    body = page[page.index('class="card report-body"') :]
    assert "Deviations" in body and "OKR progress" not in body and "Annotations" not in body
    # Drafted on the page, then edited there.
    client.post(f"/w/acme/reports/{report.pk}/", {"action": "draft", "summary": ""})
    report.refresh_from_db()
    assert "Uptime" in report.summary
    assert AuditEntry.objects.filter(action="report.update").exists()
