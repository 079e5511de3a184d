"""The weekly check-in sheet: every key result prefilled from its last check-in, saved all
at once (or one row, or "no change"), nothing half-saved, a streak and the team's week."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn
from waypoint.workspaces import services as ws_services


@pytest.fixture
def sheet(workspace, owner, owner_user, teammate, client):
    """Tess owns three key results of the current cycle: a number with a history, a number
    never checked in, and a milestone."""
    today = workspace.today()
    cycle = okr.cycle_create(
        workspace=workspace,
        name="Now",
        start=today - dt.timedelta(days=30),
        end=today + dt.timedelta(days=60),
        actor=None,
    )
    okr.cycle_set_current(cycle=cycle, actor=None)
    objective = okr.objective_create(
        workspace=workspace, cycle=cycle, title="Customers love us", owner=teammate, actor=None
    )
    nps = okr.key_result_create(
        objective=objective, title="NPS from 40 to 60", start=40, target=60, actor=None
    )
    leads = okr.key_result_create(
        objective=objective, title="Leads from 0 to 5000", start=0, target=5000, actor=None
    )
    app = okr.key_result_create(
        objective=objective, title="App in both stores", type="milestone", actor=None
    )
    okr.checkin_create(
        key_result=nps,
        date=today - dt.timedelta(days=14),
        value=44,
        confidence="on_track",
        comment="waiting on CRM",
        author=teammate,
        actor=None,
    )
    okr.checkin_create(
        key_result=nps,
        date=today - dt.timedelta(days=7),
        value=45,
        confidence="at_risk",
        author=teammate,
        actor=None,
    )
    client.force_login(teammate.user)
    return {"cycle": cycle, "objective": objective, "nps": nps, "leads": leads, "app": app}


def field(html, name):
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert match, name
    return match.group(0)


def checked(html, name):
    return [
        m.group(1)
        for m in re.finditer(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="(\w+)"[^>]*>', html)
        if " checked" in m.group(0)
    ]


def test_each_key_result_starts_from_its_last_check_in(client, sheet):
    html = client.get("/w/acme/checkin/").content.decode()
    nps, leads = sheet["nps"].pk, sheet["leads"].pk
    assert 'value="45"' in field(html, f"kr{nps}-value")
    assert checked(html, f"kr{nps}-confidence") == ["at_risk"]  # not "on track" again
    assert 'value=""' in field(html, f"kr{leads}-value")
    assert checked(html, f"kr{leads}-confidence") == ["on_track"]  # nothing said yet
    # The last thing said is shown, with its date, even when the latest check-in said nothing.
    section = html[html.index(f'id="checkin-{nps}"') :]
    assert "waiting on CRM" in section[: section.index("</section>")]
    # The first value field has the focus; Save all comes first, so Enter presses it.
    assert "autofocus" in field(html, f"kr{nps}-value")
    form = html[html.index('id="checkin-sheet"') :]
    assert form.index("data-save-all") < form.index("data-row-save")
    # A milestone is a switch, not "1 = yes, 0 = no".
    assert re.search(
        rf'<input type="checkbox" role="switch" name="kr{sheet["app"].pk}-value"', html
    )
    assert "1 = yes" not in html


def test_save_all_records_what_changed_and_shows_it(client, sheet, teammate):
    nps, leads, app = sheet["nps"].pk, sheet["leads"].pk, sheet["app"].pk
    response = client.post(
        "/w/acme/checkin/",
        {
            f"kr{nps}-value": "52",
            f"kr{nps}-confidence": "on_track",
            f"kr{nps}-comment": "CRM is live",
            f"kr{leads}-value": "",
            f"kr{leads}-confidence": "on_track",
            f"kr{app}-value": ["0", "1"],  # the hidden 0, then the switch
            f"kr{app}-confidence": "on_track",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    latest = CheckIn.objects.filter(key_result_id=nps).first()
    assert (latest.value, latest.confidence, latest.comment) == (52, "on_track", "CRM is live")
    assert latest.author == teammate and latest.date == sheet["cycle"].workspace.today()
    assert CheckIn.objects.get(key_result_id=app).value == 1
    assert not CheckIn.objects.filter(key_result_id=leads).exists()  # untouched: not recorded
    assert "2 check-ins saved." in html
    # What was saved stays on the screen: the value, its confidence, its comment, its progress.
    row = html[html.index(f'id="checkin-{nps}"') :]
    row = row[: row.index("</section>")]
    assert "data-saved" in row and 'value="52"' in row and "CRM is live" in row
    assert re.search(r"data-progress>60%<", row)
    assert checked(row, f"kr{nps}-confidence") == ["on_track"]


def test_one_wrong_row_saves_nothing_and_keeps_every_input(client, sheet):
    nps, leads = sheet["nps"].pk, sheet["leads"].pk
    response = client.post(
        "/w/acme/checkin/",
        {
            f"kr{nps}-value": "52",
            f"kr{nps}-confidence": "on_track",
            f"kr{nps}-comment": "keep me",
            f"kr{leads}-value": "lots",
            f"kr{leads}-confidence": "off_track",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert CheckIn.objects.count() == 2  # the two from before
    assert "Nothing was saved" in html
    assert 'value="52"' in field(html, f"kr{nps}-value")
    assert 'value="keep me"' in field(html, f"kr{nps}-comment")
    assert checked(html, f"kr{leads}-confidence") == ["off_track"]
    row = html[html.index(f'id="checkin-{leads}"') :]
    row = row[: row.index("</section>")]
    assert 'class="error"' in row and "has-errors" in html


def test_a_milestone_cannot_be_two_thirds_done(client, sheet):
    app = sheet["app"].pk
    response = client.post(
        "/w/acme/checkin/", {f"kr{app}-value": "0.7", f"kr{app}-confidence": "on_track"}
    )
    assert response.status_code == 422 and not CheckIn.objects.filter(key_result_id=app)


def test_nothing_changed_says_so(client, sheet):
    nps, app = sheet["nps"].pk, sheet["app"].pk
    response = client.post(
        "/w/acme/checkin/",
        {
            f"kr{nps}-value": "45",
            f"kr{nps}-confidence": "at_risk",
            f"kr{app}-value": "0",  # a milestone never checked in, left "not done"
            f"kr{app}-confidence": "on_track",
        },
    )
    assert response.status_code == 200 and "Nothing changed" in response.content.decode()
    assert CheckIn.objects.count() == 2


def test_no_change_this_week_is_one_click(client, sheet):
    nps, leads = sheet["nps"].pk, sheet["leads"].pk
    response = client.post(
        f"/w/acme/krs/{nps}/checkin/?same=1",
        {f"kr{nps}-value": "999", f"kr{nps}-comment": "still waiting"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    latest = CheckIn.objects.filter(key_result_id=nps).first()
    assert (latest.value, latest.confidence, latest.comment) == (45, "at_risk", "still waiting")
    assert latest.date == sheet["cycle"].workspace.today()
    # A key result never checked in has no "same" to repeat: the field says so.
    response = client.post(f"/w/acme/krs/{leads}/checkin/?same=1", {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "no earlier value" in response.content.decode()
    assert not CheckIn.objects.filter(key_result_id=leads).exists()


def test_another_members_key_result_is_not_saved_through_the_sheet(client, sheet, workspace, owner):
    theirs = okr.key_result_create(
        objective=okr.objective_create(
            workspace=workspace, cycle=sheet["cycle"], title="Theirs", owner=owner, actor=None
        ),
        title="Their KR",
        start=0,
        target=10,
        actor=None,
    )
    client.post("/w/acme/checkin/", {f"kr{theirs.pk}-value": "5"})
    assert not CheckIn.objects.filter(key_result=theirs).exists()


def test_the_streak_counts_weeks_in_a_row(client, sheet, teammate):
    html = client.get("/w/acme/checkin/").content.decode()
    assert 'data-streak="2"' in html  # two weeks ago and last week; this week still open
    client.post(
        "/w/acme/checkin/",
        {f"kr{sheet['nps'].pk}-value": "50", f"kr{sheet['nps'].pk}-confidence": "on_track"},
    )
    html = client.get("/w/acme/checkin/").content.decode()
    assert 'data-streak="3"' in html and "3-week check-in streak" in html


def test_the_lead_sees_the_teams_week(client, sheet, workspace, teammate, owner):
    team = ws_services.team_create(workspace=workspace, name="Growth", actor=None)
    ws_services.team_update(team=team, lead=teammate, actor=None)
    okr.objective_update(objective=sheet["objective"], teams=[team], actor=None)
    html = client.get("/w/acme/checkin/").content.decode()
    assert f'data-team-week="{team.pk}"' in html
    assert re.search(r"data-team-done>0<", html) and "of 3 key results" in html
    client.post(
        "/w/acme/checkin/",
        {f"kr{sheet['nps'].pk}-value": "50", f"kr{sheet['nps'].pk}-confidence": "on_track"},
    )
    html = client.get("/w/acme/checkin/").content.decode()
    assert re.search(r"data-team-done>1<", html)
    client.force_login(owner.user)  # not a lead: no team card
    assert "data-team-week" not in client.get("/w/acme/checkin/").content.decode()


def test_the_sheet_costs_the_same_queries_for_3_and_30_key_results(client, sheet, teammate):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/w/acme/checkin/").status_code == 200
        return len(queries)

    count()  # the first visit of the workspace remembers it in the session, once
    few = count()
    for i in range(27):
        kr = okr.key_result_create(
            objective=sheet["objective"], title=f"KR {i}", start=0, target=10, actor=None
        )
        okr.checkin_create(
            key_result=kr,
            date=sheet["cycle"].start,
            value=1,
            comment="said",
            author=teammate,
            actor=None,
        )
    assert count() == few


def test_a_key_result_added_during_its_cycle_is_not_behind_on_its_first_day(
    client, sheet, workspace, teammate
):
    """30 days into a 90-day cycle, a new key result's form proposes today as its start;
    with it, the key result is on pace, not a third behind, and its objective's pace too."""
    today = workspace.today()
    objective = sheet["objective"]
    client.force_login(teammate.user)
    for lang in ("en", "ru", "zh-hans", "pl"):  # a date field's value is ISO in every language
        client.cookies["django_language"] = lang
        editor = client.get(f"/w/acme/objectives/{objective.pk}/edit/").content.decode()
        assert f'name="kr-starts_on" value="{today.isoformat()}"' in editor, lang
    client.cookies["django_language"] = "en"
    response = client.post(
        f"/w/acme/objectives/{objective.pk}/krs/new/",
        {
            "kr-title": "Referrals from 0 to 40",
            "kr-type": "increase",
            "kr-scoring": "spectrum",
            "kr-weight": "1",
            "kr-start": "0",
            "kr-target": "40",
            "kr-starts_on": today.isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    kr = objective.key_results.get(title__startswith="Referrals")
    assert kr.starts_on == today
    html = client.get("/w/acme/checkin/").content.decode()
    row = html[html.index(f'id="checkin-{kr.pk}"') :]
    row = row[: row.index("</section>")]
    assert "on pace" in row and "behind" not in row
    # A start outside the cycle is refused at the field, the input kept.
    response = client.post(
        f"/w/acme/krs/{kr.pk}/edit/",
        {
            "kr-title": kr.title,
            "kr-type": "increase",
            "kr-scoring": "spectrum",
            "kr-weight": "1",
            "kr-start": "0",
            "kr-target": "40",
            "kr-starts_on": "2001-01-01",
        },
    )
    body = response.content.decode()
    assert "starts within its cycle" in body and 'value="2001-01-01"' in body
    kr.refresh_from_db()
    assert kr.starts_on == today


def test_a_row_escapes_what_people_wrote_and_speaks_the_reader_language(
    client, sheet, workspace, teammate
):
    """A row (the ``checkin_rows`` tag): the key result's title, unit, objective and last
    comment escaped; its figures, labels and buttons in the reader's language."""
    nps = sheet["nps"]
    okr.key_result_update(key_result=nps, title="<b>NPS</b> & co", unit="<i>pts</i>", actor=None)
    okr.checkin_create(
        key_result=nps,
        date=workspace.today(),
        value=46,
        confidence="at_risk",
        comment="<script>alert(1)</script>",
        author=teammate,
        actor=None,
    )
    html = client.get("/w/acme/checkin/").content.decode()
    row = html[html.index(f'id="checkin-{nps.pk}"') :]
    row = row[: row.index("</section>")]
    assert "<b>NPS" not in row and "<i>pts" not in row and "<script>" not in row
    assert f'<h2 class="h3" id="kr-{nps.pk}-title">&lt;b&gt;NPS&lt;/b&gt; &amp; co</h2>' in row
    assert '46 <small class="unit">&lt;i&gt;pts&lt;/i&gt;</small>' in row
    assert "<q data-last-comment>&lt;script&gt;alert(1)&lt;/script&gt;</q>" in row
    assert f'formaction="/w/acme/krs/{nps.pk}/checkin/?same=1"' in row
    ws_services.workspace_update(workspace=workspace, language="ru", actor=None)
    html = client.get("/w/acme/checkin/").content.decode()
    row = html[html.index(f'id="checkin-{nps.pk}"') :]
    row = row[: row.index("</section>")]
    assert "<small>Текущее</small>" in row
    assert ">Сохранить</button>" in row
