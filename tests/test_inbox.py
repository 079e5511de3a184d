"""Notifications inside the app: @mentions and comments, KPI deviations in their owners'
inbox until answered, grades due, the bell, and where each kind goes."""

import datetime as dt

import pytest
from django.test import TestCase

from waypoint.integrations import notifications as n
from waypoint.integrations.models import Notification, NotificationPrefs
from waypoint.jobs.models import Job
from waypoint.kpis import services as kpis
from waypoint.okrs import services as okr
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Role
from waypoint.workspaces.selectors import mentioned_members


def committed(fn, **kwargs):
    """A write, and the jobs its commit sets off, as the worker runs them."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return fn(**kwargs)


@pytest.fixture
def people(workspace, owner, teammate, owner_user):
    zhang = ws_services.member_ensure(
        workspace=workspace, email="zw@acme.test", full_name="张伟", role=Role.MEMBER, actor=None
    )
    tom = ws_services.member_ensure(
        workspace=workspace,
        email="tom.t@acme.test",
        full_name="Tom Tester",
        role=Role.MEMBER,
        actor=None,
    )
    ws_services.member_ensure(
        workspace=workspace, email="t2@acme.test", full_name="Tom Two", role=Role.MEMBER, actor=None
    )
    return {"owner": owner, "tess": teammate, "zhang": zhang, "tom": tom}


def test_mentions_are_read_from_addresses_first_names_and_whole_names(workspace, people):
    found = mentioned_members(
        workspace, "@tess and @张伟, @tom.t; not anna@acme.test, and @Tom is two people"
    )
    assert {m.user.email for m in found} == {"tess@acme.test", "zw@acme.test", "tom.t@acme.test"}
    assert mentioned_members(workspace, "@nobody @Tom") == []


def test_a_mention_reaches_the_feed_and_the_inbox_by_email(
    workspace, quarter, people, objective, mailoutbox, client
):
    tess = people["tess"]
    comment = committed(
        okr.comment_create,
        objective=objective,
        body="@tess can you check the NPS survey? @张伟 too",
        author=people["owner"],
        actor=None,
    )
    mention = Notification.objects.get(recipient=tess)
    assert mention.kind == "mention" and mention.actor == people["owner"]
    assert "Olivia Owner mentioned you" in mention.text and "NPS survey" in mention.text
    assert mention.url.endswith(f"/objectives/{objective.pk}/#comments")
    assert Notification.objects.filter(recipient=people["zhang"], kind="mention").exists()
    # By e-mail too (mentions go there by default), with a link that works from outside.
    mail = next(m for m in mailoutbox if m.to == [tess.user.email])
    assert "mentioned you" in mail.subject and f"/objectives/{objective.pk}/" in mail.body
    assert mail.body.count("http://127.0.0.1:8000/w/acme/") == 1
    # The owner wrote it: they are not told about their own comment.
    assert not Notification.objects.filter(recipient=people["owner"]).exists()
    # The job taken over after a crash tells no one twice.
    job = Job.objects.get(kind="notifications.comment")
    from waypoint.jobs import queue

    Job.objects.filter(pk=job.pk).update(status="queued", run_after=dt.datetime(2000, 1, 1))
    queue.run(job.pk)
    assert Notification.objects.filter(recipient=tess).count() == 1
    assert len([m for m in mailoutbox if m.to == [tess.user.email]]) == 1

    # The bell counts it; the feed shows it; following it marks it read.
    client.force_login(tess.user)
    page = client.get("/w/acme/inbox/").content.decode()
    assert 'class="badge"' in page and "NPS survey" in page and "unread" in page
    response = client.get(f"/w/acme/inbox/{mention.pk}/")
    assert response.status_code == 302 and response["Location"] == mention.url
    mention.refresh_from_db()
    assert mention.read_at is not None
    assert 'class="badge"' not in client.get("/w/acme/inbox/").content.decode()
    assert comment.pk


def test_the_owner_hears_of_a_comment_and_a_private_objective_tells_no_outsider(
    workspace, quarter, people, client
):
    private = okr.objective_create(
        workspace=workspace,
        cycle=quarter,
        title="Quiet acquisition",
        owner=people["tess"],
        private=True,
        actor=None,
    )
    committed(
        okr.comment_create,
        objective=private,
        body="@tom.t should see nothing of this",
        author=people["owner"],
        actor=None,
    )
    assert not Notification.objects.filter(recipient=people["tom"]).exists()
    note = Notification.objects.get(recipient=people["tess"])
    assert note.kind == "comment" and "commented on" in note.text
    # Another member cannot open someone else's notification.
    client.force_login(people["tom"].user)
    assert client.get(f"/w/acme/inbox/{note.pk}/").status_code == 404


def test_each_member_chooses_where_each_kind_goes(
    workspace, quarter, people, objective, mailoutbox
):
    NotificationPrefs.objects.create(
        member=people["tess"], channels={"mention": ["email"], "comment": []}
    )
    committed(
        okr.comment_create,
        objective=objective,
        body="@tess by mail only",
        author=people["owner"],
        actor=None,
    )
    note = Notification.objects.get(recipient=people["tess"])
    assert note.in_app is False  # kept as the record that she was told, not in her feed
    assert [m.to for m in mailoutbox] == [[people["tess"].user.email]]


def test_a_deviation_waits_in_its_owners_inbox_until_answered(workspace, people, client):
    team = ws_services.team_create(workspace=workspace, name="Support", actor=None)
    ws_services.team_update(team=team, lead=people["tom"], actor=None)
    kpi = kpis.kpi_create(
        workspace=workspace,
        actor=None,
        name="Uptime",
        warning=99,
        critical=95,
        frequency="daily",
        aggregation="last",
        owner=people["tess"],
        team=team,
    )
    day = workspace.today()
    committed(kpis.data_points_record, kpi=kpi, rows=[(day, 90)], actor=None)
    deviation = kpi.deviations.get()
    for who in ("tess", "tom"):  # the KPI's owner and its team's lead
        note = Notification.objects.get(recipient=people[who])
        assert note.kind == "deviation" and "Uptime" in note.text
        client.force_login(people[who].user)
        page = client.get("/w/acme/inbox/").content.decode()
        assert f'data-deviation="{deviation.pk}"' in page
    client.force_login(people["zhang"].user)
    assert f'data-deviation="{deviation.pk}"' not in client.get("/w/acme/inbox/").content.decode()
    kpis.deviation_respond(
        deviation=deviation,
        response="improve_process",
        improvement=kpis.Improvement("Second on-call", people["tess"], day + dt.timedelta(7)),
        actor=None,
    )
    client.force_login(people["tess"].user)
    page = client.get("/w/acme/inbox/").content.decode()
    assert f'data-deviation="{deviation.pk}"' not in page and "Nothing to answer" in page


def test_grades_are_due_in_the_last_two_weeks_once(workspace, people, mailoutbox):
    today = workspace.today()
    cycle = okr.cycle_create(
        workspace=workspace,
        name="Ending",
        start=today - dt.timedelta(days=80),
        end=today + dt.timedelta(days=20),
        actor=None,
    )
    okr.objective_create(
        workspace=workspace, cycle=cycle, title="Grade me", owner=people["tess"], actor=None
    )
    assert n.grades_due(workspace, today) == 0  # three weeks to go
    assert n.grades_due(workspace, today + dt.timedelta(days=7)) == 1
    assert n.grades_due(workspace, today + dt.timedelta(days=8)) == 0  # told already
    note = Notification.objects.get(recipient=people["tess"])
    assert note.kind == "grade_due" and "Ending" in note.text
    assert note.url.endswith(f"/cycles/{cycle.pk}/retro/")


def test_the_feed_costs_the_same_queries_for_1_and_30_notifications(client, workspace, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tess = people["tess"]

    def tell(n):
        for _ in range(n):
            n_key = Notification.objects.count()
            Notification.objects.create(
                workspace=workspace,
                recipient=tess,
                kind="mention",
                text=f"note {n_key}",
                key=f"t:{n_key}",
                actor=people["owner"],
            )

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/w/acme/inbox/").status_code == 200
        return len(queries)

    client.force_login(tess.user)
    tell(1)
    count()  # the first visit of the workspace remembers it in the session, once
    few = count()
    tell(29)
    assert count() == few


def test_an_invitation_to_another_workspace_waits_in_the_feed(
    client, workspace, teammate, other_workspace
):
    from waypoint.workspaces import services as ws_services

    rival_owner = other_workspace.members.get().user
    invitation = ws_services.invitation_create(
        workspace=other_workspace, email="TESS@acme.test", actor=rival_owner
    )
    ws_services.invitation_create(  # someone else's: not shown
        workspace=other_workspace, email="zed@acme.test", actor=rival_owner
    )
    client.force_login(teammate.user)
    page = client.get(f"/w/{workspace.slug}/inbox/").content.decode()
    assert "Rival" in page and f"/invite/{invitation.token}/" in page
    assert page.count("data-invitation=") == 1
    client.post(f"/invite/{invitation.token}/")
    page = client.get(f"/w/{workspace.slug}/inbox/").content.decode()
    assert "data-invitation=" not in page  # accepted: a member now
