"""Google's grading practice (seed 003): each key result gets a final grade, the objective's
grade is their weighted mean unless overridden with a reason, and grades show in red,
yellow and green everywhere they show."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from waypoint.lib import scoring
from waypoint.okrs import services as okr
from waypoint.okrs.models import KeyResult, Retrospective
from waypoint.workspaces.models import AuditEntry


@pytest.fixture
def two_krs(objective, key_result, owner):
    """The fixture's key result (weight 1, 55 -> 66, at 60: a score of 0.45) and a second of
    weight 2 (from 0 to 10, at 8: 0.8)."""
    second = okr.key_result_create(
        objective=objective,
        title="Raise weekly active teams from 0 to 10",
        type="increase",
        start=0,
        target=10,
        owner=owner,
        weight=2,
        actor=None,
    )
    okr.checkin_create(key_result=key_result, date=dt.date(2026, 3, 1), value=60, actor=None)
    okr.checkin_create(key_result=second, date=dt.date(2026, 3, 1), value=8, actor=None)
    return key_result, second


def test_bands_follow_googles_colours_read_to_one_decimal():
    assert [scoring.grade_band(g) for g in (0.0, 0.3, 0.4, 0.6, 0.66, 0.7, 1.0)] == [
        "red",
        "red",
        "yellow",
        "yellow",
        "green",
        "green",
        "green",
    ]
    assert scoring.grade_band(None) is None


def test_each_key_result_is_graded_and_the_objective_takes_their_weighted_mean(
    objective, two_krs, owner
):
    first, second = two_krs
    retro = okr.objective_grade(
        objective=objective, key_results={first.pk: 0.4, second.pk: 0.7}, by=owner, actor=None
    )
    # (0.4 x 1 + 0.7 x 2) / 3
    assert retro.grade == retro.suggested_grade == 0.6
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.grade, second.grade) == (0.4, 0.7)
    assert AuditEntry.objects.filter(action="key_result.grade").count() == 2
    # A key result not given keeps its grade; one never graded takes its score.
    retro = okr.objective_grade(objective=objective, key_results={first.pk: 1.0}, actor=None)
    assert retro.grade == 0.8  # (1.0 + 1.4) / 3
    assert AuditEntry.objects.filter(action="key_result.grade").count() == 3


def test_an_ungraded_objective_is_suggested_its_key_results_scores_as_grades(objective, two_krs):
    retro = okr.objective_grade(objective=objective, actor=None)
    # 0.45 -> 0.5 and 0.8 -> 0.8: (0.5 + 1.6) / 3
    assert retro.grade == 0.7
    assert [kr.grade for kr in KeyResult.objects.filter(objective=objective)] == [0.5, 0.8]


def test_overriding_the_mean_needs_a_reason_and_bad_grades_are_refused(objective, two_krs):
    first, _second = two_krs
    with pytest.raises(ValidationError) as refused:
        okr.objective_grade(objective=objective, grade=1.0, actor=None)
    assert "override_reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        okr.objective_grade(objective=objective, key_results={first.pk: 1.5}, actor=None)
    assert f"kr_{first.pk}" in refused.value.message_dict
    assert not Retrospective.objects.exists()
    assert KeyResult.objects.get(pk=first.pk).grade is None  # nothing half-written
    retro = okr.objective_grade(
        objective=objective, grade=1.0, reason="The target was set too low", actor=None
    )
    assert (retro.grade, retro.suggested_grade) == (1.0, 0.7)


def test_another_objectives_key_result_is_not_graded_here(objective, two_krs, workspace, quarter):
    other = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Partners sell for us", actor=None
    )
    theirs = okr.key_result_create(
        objective=other, title="Raise partner deals from 2 to 9", start=2, target=9, actor=None
    )
    with pytest.raises(ValidationError):
        okr.objective_grade(objective=objective, key_results={theirs.pk: 0.9}, actor=None)


def test_the_retrospective_page_grades_each_key_result_and_shows_bands(
    client, owner_user, objective, two_krs, quarter
):
    first, second = two_krs
    client.force_login(owner_user)
    page = client.get(f"/w/acme/cycles/{quarter.pk}/retro/").content.decode()
    assert "data-kr-grades" in page
    assert (
        f'name="o{objective.pk}-kr_{first.pk}" id="id_o{objective.pk}-kr_{first.pk}" value="0.5"'
        in page
    )
    response = client.post(
        f"/w/acme/objectives/{objective.pk}/grade/",
        {
            f"o{objective.pk}-kr_{first.pk}": "0.1",
            f"o{objective.pk}-kr_{second.pk}": "0.4",
            f"o{objective.pk}-grade": "",
            f"o{objective.pk}-override_reason": "",
        },
    )
    assert response.status_code == 302
    retro = Retrospective.objects.get(objective=objective)
    assert retro.grade == 0.3  # (0.1 + 0.8) / 3
    page = client.get(f"/w/acme/cycles/{quarter.pk}/retro/").content.decode()
    assert 'class="grade band-red"' in page
    detail = client.get(f"/w/acme/objectives/{objective.pk}/").content.decode()
    assert "data-objective-grade" in detail and 'data-band="red"' in detail
    assert detail.count("data-kr-grade") == 2 and 'data-band="yellow"' in detail
    # A grade out of range comes back with its message at its field, and nothing saved.
    response = client.post(
        f"/w/acme/objectives/{objective.pk}/grade/",
        {f"o{objective.pk}-kr_{first.pk}": "7", f"o{objective.pk}-kr_{second.pk}": "0.4"},
    )
    assert response.status_code == 422
    assert KeyResult.objects.get(pk=first.pk).grade == 0.1


def test_the_api_gives_each_key_results_grade_and_band(client, objective, two_krs, owner):
    from waypoint.workspaces import services as ws_services

    first, _second = two_krs
    okr.objective_grade(objective=objective, key_results={first.pk: 0.9}, actor=None)
    raw = ws_services.token_create(member=owner, name="t", scope="read", actor=None)[1]
    body = client.get(f"/api/v1/key-results/{first.pk}", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert (body["grade"], body["grade_band"]) == (0.9, "green")


# --- A missed commitment asks for a postmortem before the cycle closes --------------------------


@pytest.fixture
def commitment(workspace, quarter, owner, owner_user):
    """A committed objective of the quarter, half reached."""
    objective = okr.objective_create(
        workspace=workspace,
        cycle=quarter,
        title="Every invoice goes out on the first working day",
        why="Late invoices are late cash.",
        kind="committed",
        owner=owner,
        actor=owner_user,
    )
    kr = okr.key_result_create(
        objective=objective,
        title="Invoices out on day one from 0% to 100%",
        start=0,
        target=100,
        actor=owner_user,
    )
    okr.checkin_create(key_result=kr, date=dt.date(2026, 3, 20), value=50, actor=owner_user)
    return objective


def test_a_missed_commitment_stops_the_close_until_its_postmortem_is_written(
    commitment, quarter, owner_user
):
    from waypoint.okrs.models import Cycle

    assert okr.missed_commitments(quarter) == [commitment]
    with pytest.raises(ValidationError) as refused:
        okr.cycle_close(cycle=quarter, actor=owner_user)
    assert "Every invoice goes out" in refused.value.message_dict["postmortem"][0]
    assert Cycle.objects.get(pk=quarter.pk).status == Cycle.Status.OPEN
    # Half a postmortem is not one.
    okr.retrospective_write(
        objective=commitment,
        what_worked="",
        what_did_not="The bank export broke",
        learned="",
        actor=owner_user,
    )
    assert okr.missed_commitments(quarter) == [commitment]
    okr.retrospective_write(
        objective=commitment,
        what_worked="",
        what_did_not="The bank export broke twice",
        learned="We test the export the week before",
        actor=owner_user,
    )
    assert okr.missed_commitments(quarter) == []
    okr.cycle_close(cycle=quarter, actor=owner_user)
    assert not AuditEntry.objects.filter(action="cycle.close_without_postmortems").exists()


def test_a_met_commitment_needs_no_postmortem_and_an_admin_may_close_without_one(
    commitment, quarter, owner_user
):
    okr.objective_grade(
        objective=commitment, grade=1.0, reason="Paid in full by day two", actor=owner_user
    )
    assert okr.missed_commitments(quarter) == []  # graded as met
    okr.objective_grade(objective=commitment, actor=owner_user)  # back to 0.5: missed
    assert okr.missed_commitments(quarter) == [commitment]
    okr.cycle_close(cycle=quarter, actor=owner_user, without_postmortems=True)
    override = AuditEntry.objects.get(action="cycle.close_without_postmortems")
    assert override.after == {"objectives": [commitment.pk]}


def test_the_retrospective_page_asks_for_the_postmortem_and_the_close_says_why_not(
    client, owner_user, commitment, quarter
):
    client.force_login(owner_user)
    page = client.get(f"/w/acme/cycles/{quarter.pk}/retro/").content.decode()
    assert "data-postmortem-due" in page and "data-without-postmortems" in page
    response = client.post(f"/w/acme/cycles/{quarter.pk}/close/", follow=True)
    assert "need their postmortem" in response.content.decode()
    quarter.refresh_from_db()
    assert quarter.status == "open"
    client.post(f"/w/acme/cycles/{quarter.pk}/close/", {"without_postmortems": "1"})
    quarter.refresh_from_db()
    assert quarter.status == "closed"


# --- A commitment that turns red goes to its owner's lead at once -------------------------------


@pytest.fixture
def committed_now(workspace, owner, teammate):
    """A running cycle (45 days in, 45 to go), a team led by Tess with the owner in it, and
    a committed objective of the owner's for that team."""
    from waypoint.workspaces import services as ws_services

    today = workspace.today()
    cycle = okr.cycle_create(
        workspace=workspace,
        name="Now",
        start=today - dt.timedelta(days=45),
        end=today + dt.timedelta(days=45),
        actor=None,
    )
    team = ws_services.team_create(workspace=workspace, name="Billing", lead=teammate, actor=None)
    ws_services.team_set_members(team=team, members=[owner, teammate], actor=None)
    objective = okr.objective_create(
        workspace=workspace,
        cycle=cycle,
        title="Every invoice goes out on day one",
        why="Late invoices are late cash.",
        kind="committed",
        owner=owner,
        teams=[team],
        actor=None,
    )
    kr = okr.key_result_create(
        objective=objective,
        title="Invoices out on day one from 0% to 100%",
        start=0,
        target=100,
        owner=owner,
        actor=None,
    )
    return {"objective": objective, "kr": kr, "today": today}


def commitment_notes(member):
    from waypoint.integrations.models import Notification

    return list(Notification.objects.filter(recipient=member, kind="commitment"))


def test_an_off_track_check_in_on_a_commitment_reaches_the_lead_the_same_day(
    committed_now, owner, teammate, mailoutbox, django_capture_on_commit_callbacks
):
    kr, today = committed_now["kr"], committed_now["today"]
    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(
            key_result=kr, date=today, value=48, confidence="on_track", author=owner, actor=None
        )
    assert commitment_notes(teammate) == []  # on pace (48% at half time), on track
    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(
            key_result=kr, date=today, value=48, confidence="off_track", author=owner, actor=None
        )
    (note,) = commitment_notes(teammate)
    assert "Every invoice goes out on day one" in note.text and "off track" in note.text
    assert note.created_at.date() == dt.datetime.now(dt.UTC).date()
    assert any(m.to == [teammate.user.email] for m in mailoutbox)
    assert commitment_notes(owner) == []  # never its owner
    # Still red later that week: the lead is not told twice.
    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(
            key_result=kr, date=today, value=47, confidence="off_track", author=owner, actor=None
        )
    assert len(commitment_notes(teammate)) == 1


def test_an_aspirational_objective_off_track_is_not_escalated_and_costs_no_job(
    committed_now, owner, teammate, django_capture_on_commit_callbacks
):
    from waypoint.jobs.models import Job

    objective, kr = committed_now["objective"], committed_now["kr"]
    okr.objective_update(objective=objective, kind="aspirational", actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(
            key_result=kr,
            date=committed_now["today"],
            value=5,
            confidence="off_track",
            author=owner,
            actor=None,
        )
    assert commitment_notes(teammate) == []
    assert not Job.objects.filter(kind="notifications.commitment").exists()


def test_a_commitment_that_falls_far_behind_pace_is_raised_by_the_daily_run(
    committed_now, workspace, owner, teammate
):
    from waypoint.integrations import notifications

    kr, today = committed_now["kr"], committed_now["today"]
    # 10% at half time, and its owner still says on track: only the pace is red.
    okr.checkin_create(key_result=kr, date=today, value=10, confidence="on_track", actor=None)
    nine = dt.datetime.combine(today, dt.time(9), tzinfo=workspace.zone)
    assert notifications.run_daily(nine - dt.timedelta(hours=1)) == 0  # not its hour yet
    assert notifications.run_daily(nine) == 1
    (note,) = commitment_notes(teammate)
    assert "behind its pace" in note.text
    assert notifications.run_daily(nine) == 0  # once a week while it stays red


def test_a_private_commitment_at_risk_reaches_only_a_lead_who_may_see_it(
    committed_now, workspace, owner, teammate, django_capture_on_commit_callbacks
):
    """Tess leads the owner's team, but the objective is private and not of her team:
    she is not told its title; the workspace's admins are, as for a team without a lead."""
    from waypoint.workspaces import services as ws_services

    objective, kr = committed_now["objective"], committed_now["kr"]
    okr.objective_update(objective=objective, private=True, teams=[], actor=None)
    admin = ws_services.member_ensure(
        workspace=workspace,
        email="ada@acme.test",
        full_name="Ada Admin",
        role="admin",
        actor=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(
            key_result=kr,
            date=committed_now["today"],
            value=40,
            confidence="off_track",
            author=owner,
            actor=None,
        )
    assert commitment_notes(teammate) == []
    assert len(commitment_notes(admin)) == 1


def test_the_retrospective_counts_what_the_reader_sees_and_pages_the_ungraded(
    client, owner, owner_user, teammate, workspace, objective, two_krs, quarter, monkeypatch
):
    """ "N of M objectives graded" counts the objectives the reader may see; "Not graded yet"
    lists the others, a page at a time, with the pages counted."""
    from django.test import Client

    from waypoint.coach import views

    def add(title, **kw):
        return okr.objective_create(
            workspace=workspace, cycle=quarter, title=title, level="team", actor=None, **kw
        )

    add("Ship the mobile app", owner=owner)
    third = add("Open Berlin", owner=owner)
    add("Quietly merge with Globex", owner=owner, private=True)
    first, _ = two_krs
    okr.objective_grade(objective=objective, key_results={first.pk: 0.4}, by=owner, actor=None)
    okr.objective_grade(objective=third, grade=0.5, reason="Half open", by=owner, actor=None)
    monkeypatch.setattr(views, "RETRO_PAGE", 1)
    client.force_login(owner_user)
    url = f"/w/acme/cycles/{quarter.pk}/retro/"
    page = client.get(url).content.decode()
    assert "2 of 4 objectives graded." in page and "Page 1 of 4" in page
    ungraded = [client.get(f"{url}?show=ungraded&page={n}").content.decode() for n in (1, 2)]
    assert "Page 1 of 2" in ungraded[0]
    titles = ("Ship the mobile app", "Quietly merge with Globex", "Open Berlin", objective.title)
    shown = {t for t in titles for p in ungraded if f">{t}</a>" in p}
    assert shown == {"Ship the mobile app", "Quietly merge with Globex"}
    reader = Client()
    reader.force_login(teammate.user)
    page = reader.get(url).content.decode()
    assert "2 of 3 objectives graded." in page and "Page 1 of 3" in page  # not the private one
