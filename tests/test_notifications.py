"""Reminders, escalation, digests and KPI alerts with a frozen clock; e-mail is captured by
the test backend, Slack goes to a local HTTP server."""

import datetime as dt
import json
import zoneinfo

import pytest

from waypoint.integrations import notifications as n
from waypoint.integrations.models import NotificationPrefs
from waypoint.okrs import services as okr
from waypoint.workspaces import services as ws_services

from .test_webhooks import Receiver

MONDAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    """The receivers here listen on 127.0.0.1, which the outbound policy refuses unless the
    operator allows it."""
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]


@pytest.fixture
def team_setup(workspace, owner, teammate, quarter):
    okr.cycle_update(
        cycle=quarter, start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31), actor=None
    )
    okr.cycle_set_current(cycle=quarter, actor=None)
    team = ws_services.team_create(workspace=workspace, name="Support", lead=owner, actor=None)
    ws_services.team_set_members(team=team, members=[owner, teammate], actor=None)
    o = okr.objective_create(
        workspace=workspace,
        cycle=quarter,
        title="Support delights",
        owner=owner,
        teams=[team],
        actor=None,
    )
    fresh = okr.key_result_create(
        objective=o, title="CSAT from 80 to 90", start=80, target=90, owner=owner, actor=None
    )
    stale = okr.key_result_create(
        objective=o,
        title="First reply from 8 to 2 hours",
        type="decrease",
        start=8,
        target=2,
        owner=teammate,
        actor=None,
    )
    okr.checkin_create(key_result=fresh, date=MONDAY - dt.timedelta(days=2), value=85, actor=None)
    return {"team": team, "stale": stale, "fresh": fresh, "objective": o}


def test_a_reminder_goes_to_whoever_did_not_check_in_for_a_week(team_setup, teammate, mailoutbox):
    okr.checkin_create(
        key_result=team_setup["stale"],
        date=MONDAY - dt.timedelta(days=8),
        value=6,
        confidence="at_risk",
        actor=None,
    )
    sent = n.weekly_reminders(teammate.workspace, MONDAY)
    assert sent == 1
    (mail,) = mailoutbox
    assert mail.to == [teammate.user.email] and "First reply from 8 to 2 hours" in mail.body


def test_after_two_missed_weeks_the_team_lead_hears_it_too(team_setup, teammate, owner, mailoutbox):
    okr.checkin_create(
        key_result=team_setup["stale"], date=MONDAY - dt.timedelta(days=15), value=6, actor=None
    )
    n.weekly_reminders(teammate.workspace, MONDAY)
    recipients = sorted(m.to[0] for m in mailoutbox)
    assert recipients == sorted([teammate.user.email, owner.user.email])
    lead_mail = next(m for m in mailoutbox if m.to == [owner.user.email])
    assert "Tess Teammate" in lead_mail.body


def test_people_who_opted_out_get_nothing(team_setup, teammate, owner, mailoutbox):
    NotificationPrefs.objects.create(member=teammate, channels={"checkin_due": []})
    n.weekly_reminders(teammate.workspace, MONDAY)
    # Tess hears nothing; her lead still learns that two weeks went by without a check-in.
    assert [m.to for m in mailoutbox] == [[owner.user.email]]


def test_the_digest_tells_team_leads_about_risks_and_kpi_breaches(team_setup, owner, mailoutbox):
    from waypoint.kpis import services as kpis

    okr.checkin_create(
        key_result=team_setup["stale"], date=MONDAY, value=7, confidence="off_track", actor=None
    )
    kpi = kpis.kpi_create(
        workspace=owner.workspace,
        actor=None,
        name="Backlog",
        direction="lower_is_better",
        warning=50,
        critical=80,
        team=team_setup["team"],
        frequency="daily",
        aggregation="last",
    )
    kpis.data_points_record(kpi=kpi, rows=[(MONDAY, 90)], actor=None)
    assert n.weekly_digest(owner.workspace, MONDAY) == 1
    (mail,) = [m for m in mailoutbox if "digest" in m.subject.lower()]
    assert "First reply from 8 to 2 hours" in mail.body and "Backlog (critical)" in mail.body


def test_the_schedule_follows_the_workspace_time_zone_and_runs_once(
    team_setup, workspace, teammate, mailoutbox
):
    ws_services.workspace_update(workspace=workspace, time_zone="Asia/Tokyo", actor=None)
    tokyo_nine = dt.datetime(2026, 11, 23, 9, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))
    utc_nine = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    assert n.run_weekly(utc_nine) == {"reminders": 0, "digest": 0}  # 18:00 in Tokyo
    done = n.run_weekly(tokyo_nine)
    assert done["reminders"] >= 1
    count = len(mailoutbox)
    assert n.run_weekly(tokyo_nine) == {"reminders": 0, "digest": 0}  # already sent this week
    assert len(mailoutbox) == count


def test_reminders_and_kpi_alerts_reach_slack(
    team_setup, workspace, owner, mailoutbox, django_capture_on_commit_callbacks
):
    from waypoint.kpis import services as kpis

    receiver = Receiver()
    try:
        ws_services.workspace_update(
            workspace=workspace, slack_webhook_url=receiver.url, actor=None
        )
        n.weekly_reminders(workspace, MONDAY)
        assert "Tess Teammate" in json.loads(receiver.requests[0][1])["text"]
        kpi = kpis.kpi_create(
            workspace=workspace,
            actor=None,
            name="Uptime",
            warning=99,
            critical=95,
            frequency="daily",
            aggregation="last",
            owner=owner,
        )
        with django_capture_on_commit_callbacks(execute=True):
            kpis.data_points_record(kpi=kpi, rows=[(MONDAY, 90)], actor=None)
        assert "Uptime" in json.loads(receiver.requests[-1][1])["text"]
        assert any(m.to == [owner.user.email] and m.subject.endswith("Uptime") for m in mailoutbox)
    finally:
        receiver.close()


def test_a_member_sets_preferences(client, teammate, workspace):
    client.force_login(teammate.user)
    page = client.get("/w/acme/notifications/").content.decode()
    assert 'name="mention-email" id="id_mention-email" checked' in page  # the defaults
    assert "digest-app" not in page  # a digest is a letter, not a line of the feed
    client.post("/w/acme/notifications/", {"mention-app": "on", "checkin_due-email": "on"})
    prefs = NotificationPrefs.objects.get(member=teammate)
    assert prefs.wants("mention", "app") and not prefs.wants("mention", "email")
    assert prefs.wants("checkin_due", "email") and not prefs.wants("checkin_due", "app")
    assert not prefs.wants("digest", "email") and prefs.channels["kpi_alert"] == []


def test_the_digest_reaches_slack_with_the_teams_content(team_setup, workspace, owner, mailoutbox):
    from waypoint.kpis import services as kpis

    okr.objective_update(
        objective=team_setup["objective"], title="Support <delights> & wows", actor=None
    )
    okr.checkin_create(
        key_result=team_setup["stale"], date=MONDAY, value=7, confidence="off_track", actor=None
    )
    kpi = kpis.kpi_create(
        workspace=workspace,
        actor=None,
        name="Backlog",
        direction="lower_is_better",
        warning=50,
        critical=80,
        team=team_setup["team"],
        frequency="daily",
        aggregation="last",
    )
    kpis.data_points_record(kpi=kpi, rows=[(MONDAY, 90)], actor=None)
    receiver = Receiver()
    try:
        ws_services.workspace_update(
            workspace=workspace, slack_webhook_url=receiver.url, actor=None
        )
        assert n.weekly_digest(workspace, MONDAY) == 1
        (text,) = [json.loads(body)["text"] for _headers, body in receiver.requests]
    finally:
        receiver.close()
    assert text.startswith("*Weekly digest: Support*")
    assert "Support &lt;delights&gt; &amp; wows" in text and "<delights>" not in text
    assert "First reply from 8 to 2 hours (Off track)" in text and "Backlog (critical)" in text
    assert "CSAT from 80 to 90" not in text  # on track: not a risk
    # E-mail is on by default too, with the same content.
    (mail,) = [m for m in mailoutbox if "digest" in m.subject.lower()]
    assert "Support <delights> & wows" in mail.body and "Backlog (critical)" in mail.body


def test_a_workspace_without_slack_gets_the_digest_by_mail_only(
    team_setup, workspace, owner, mailoutbox
):
    assert not workspace.slack_webhook_url
    assert n.weekly_digest(workspace, MONDAY) == 1
    assert [m.to for m in mailoutbox if "digest" in m.subject.lower()] == [[owner.user.email]]


def test_a_lead_with_email_off_gets_the_digest_in_slack_only(
    team_setup, workspace, owner, mailoutbox
):
    NotificationPrefs.objects.create(member=owner, channels={"digest": []})
    receiver = Receiver()
    try:
        ws_services.workspace_update(
            workspace=workspace, slack_webhook_url=receiver.url, actor=None
        )
        assert n.weekly_digest(workspace, MONDAY) == 0  # no e-mail
        assert len(receiver.requests) == 1  # the workspace's channel still reads it
    finally:
        receiver.close()
    assert not [m for m in mailoutbox if "digest" in m.subject.lower()]


def test_the_slack_digest_goes_out_once_a_week(team_setup, workspace, owner, mailoutbox):
    monday_nine = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    receiver = Receiver()
    try:
        ws_services.workspace_update(
            workspace=workspace, slack_webhook_url=receiver.url, actor=None
        )
        assert n.run_weekly(monday_nine)["digest"] == 1
        digests = [r for r in receiver.requests if b"Weekly digest" in r[1]]
        assert len(digests) == 1
        assert n.run_weekly(monday_nine) == {"reminders": 0, "digest": 0}
        assert [r for r in receiver.requests if b"Weekly digest" in r[1]] == digests
    finally:
        receiver.close()
