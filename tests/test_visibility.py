"""One visibility rule: a private objective, and everything hung on it or derived from it,
is seen only by its owner, its teams' members and admins: in pages, select lists, reports,
share links, the API, Slack, and every action."""

import datetime as dt

import pytest

from tests.conftest import SECRET
from waypoint.integrations import notifications
from waypoint.kpis.models import Kpi
from waypoint.okrs import selectors
from waypoint.okrs import services as okr
from waypoint.okrs.models import Objective
from waypoint.reports import services as reports
from waypoint.workspaces import services as ws_services


def page(client, member, url):
    client.force_login(member.user)
    return client.get(url)


@pytest.mark.parametrize("role", ["member", "editor", "viewer"])
def test_people_outside_the_team_see_nothing_of_it_in_the_editor_and_kpi_forms(
    client, secret, role, workspace
):
    person = secret["outsiders"][role]
    quarter = secret["year"].children.order_by("start").first()
    Kpi.objects.create(workspace=workspace, name="Leads", owner=person)
    for url in (
        f"/w/acme/cycles/{quarter.pk}/objectives/new/",
        "/w/acme/kpis/new/",
        "/w/acme/kpis/derive/",
        f"/w/acme/kpis/{Kpi.objects.get().pk}/",
        "/w/acme/",
        f"/w/acme/cycles/{secret['year'].pk}/",
        f"/w/acme/cycles/{secret['year'].pk}/tree/",
    ):
        response = page(client, person, url)
        assert response.status_code in (200, 403), url
        assert SECRET not in response.content.decode(), url


def test_the_insider_sees_it_in_the_same_lists(client, secret):
    quarter = secret["year"].children.order_by("start").first()
    html = page(client, secret["insider"], f"/w/acme/cycles/{quarter.pk}/objectives/new/")
    assert SECRET in html.content.decode()


def test_reports_and_share_links_leave_private_annotations_out(client, secret, workspace, owner):
    report = reports.report_create(
        workspace=workspace,
        title="February",
        period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28),
        by=owner,
        actor=None,
    )
    link = reports.share_link_create(report=report, days=7, actor=None)
    client.logout()
    shared = client.get(f"/share/{link.token}/")
    assert shared.status_code == 200 and SECRET not in shared.content.decode()
    # Even the owner's own view of a report is what the client gets.
    html = page(client, owner, f"/w/acme/reports/{report.pk}/").content.decode()
    assert SECRET not in html


def test_the_api_lists_no_private_annotation_to_an_outsider(client, secret):
    def annotations(member):
        token = ws_services.token_create(member=member, name="t", scope="read", actor=None)[1]
        response = client.get("/api/v1/annotations", HTTP_AUTHORIZATION=f"Bearer {token}")
        return response.json()["items"]

    assert annotations(secret["outsiders"]["editor"]) == []
    assert [a["text"] for a in annotations(secret["insider"])] == [
        f"{SECRET} announced to the board"
    ]


def test_an_editor_outside_the_team_cannot_split_or_keep_the_level(client, secret):
    ed = secret["outsiders"]["editor"]
    kr = secret["kr"]
    assert page(client, ed, f"/w/acme/krs/{kr.pk}/split/").status_code == 404
    response = client.post(f"/w/acme/krs/{kr.pk}/split/", {"save": "1", "mode": "equal"})
    assert response.status_code == 404
    assert client.post(f"/w/acme/krs/{kr.pk}/keep-level/").status_code == 404
    assert Objective.objects.count() == 1


def test_a_split_of_a_private_yearly_key_result_stays_private(secret, owner_user):
    made = okr.key_result_split_into_quarters(
        key_result=secret["kr"], weights=[1, 1, 1, 1], actor=owner_user
    )
    assert len(made) == 4 and all(k.objective.private for k in made)
    tess = secret["outsiders"]["member"]
    assert (
        not selectors.visible_key_results(secret["kr"].workspace, tess)
        .filter(title__contains=SECRET)
        .exists()
    )


def test_carried_over_and_grown_objectives_stay_private(secret, owner_user):
    year = secret["year"]
    next_year = okr.cycle_create(
        workspace=year.workspace,
        name="2027",
        start=dt.date(2027, 1, 1),
        end=dt.date(2027, 12, 31),
        actor=owner_user,
    )
    carried = okr.objective_carry_over(
        objective=secret["objective"],
        cycle=next_year,
        key_results=[secret["kr"]],
        current_values={},
        actor=owner_user,
    )
    grown = okr.initiative_to_objective(
        initiative=secret["kr"].initiatives.get(), cycle=next_year, actor=owner_user
    )
    assert carried.private and grown.private


def test_the_slack_digest_leaves_private_objectives_out(secret):
    year = secret["year"]
    to_slack = notifications.digest_slack(notifications.team_digest(secret["team"], year, None))
    to_lead = notifications.digest_text(
        notifications.team_digest(secret["team"], year, secret["insider"])
    )
    assert SECRET not in to_slack and SECRET in to_lead


def test_slack_text_carries_markup_as_entities():
    assert notifications.slack_escape("<!channel> & <http://x|y>") == (
        "&lt;!channel&gt; &amp; &lt;http://x|y&gt;"
    )


def test_team_counts_count_a_private_objective_only_for_who_may_see_it(secret, workspace):
    """The teams page and the overview's folded teams count objectives through the one rule."""
    team, year = secret["team"], secret["year"]

    def counted(member):
        (t,) = selectors.team_stats(workspace, member, year, [team])
        return t.objective_count, t.mean_progress is not None

    assert counted(secret["insider"]) == (1, True)
    assert counted(workspace.members.get(role="owner")) == (1, True)
    for role in ("member", "editor", "viewer"):
        assert counted(secret["outsiders"][role]) == (0, False), role

    # The overview's folded teams list a team only for who sees one of its objectives.
    def listed(member):
        return list(selectors.cycle_teams(workspace, member, year))

    assert listed(secret["insider"]) == [team] == listed(workspace.members.get(role="owner"))
    for role in ("member", "editor", "viewer"):
        assert listed(secret["outsiders"][role]) == [], role


def test_the_rule_through_each_relation_agrees_with_the_rule_on_the_objective(
    secret, workspace, owner, owner_user
):
    """``visible_q`` is written two ways (on the objective's row; through a relation, as
    "not one of the hidden private objectives"): for every reader, one step away or two,
    each keeps exactly the rows whose objective the reader may see."""
    from waypoint.okrs.models import CheckIn, Dependency, KeyResult

    insider = workspace.members.get(user__email="ina@acme.test")
    mine = okr.objective_create(
        workspace=workspace,
        cycle=secret["objective"].cycle,
        title="Tess's own private one",
        owner=workspace.members.get(user__email="tess@acme.test"),
        private=True,
        actor=owner_user,
    )
    public = okr.objective_create(
        workspace=workspace, cycle=mine.cycle, title="Open to all", owner=insider, actor=None
    )
    orphan = okr.objective_create(
        workspace=workspace, cycle=mine.cycle, title="Nobody's", private=True, actor=None
    )
    for objective in (mine, public, orphan):
        kr = okr.key_result_create(objective=objective, title="From 0 to 5", target=5, actor=None)
        okr.checkin_create(key_result=kr, date=dt.date(2026, 2, 2), value=1, actor=None)
    okr.dependency_add(objective=public, blocked_by=secret["objective"], actor=None)
    okr.dependency_add(objective=public, blocked_by=mine, actor=None)

    def sees(member, objective):
        return (
            member.role in ("owner", "admin")
            or not objective.private
            or objective.owner_id == member.pk
            or objective.teams.filter(members=member).exists()
        )

    readers = [owner, insider, *workspace.members.exclude(pk__in=[owner.pk, insider.pk])]
    for member in readers:
        objectives = Objective.objects.filter(workspace=workspace)
        want = {o.pk for o in objectives if sees(member, o)}
        assert (
            set(objectives.filter(selectors.visible_q(member)).values_list("pk", flat=True)) == want
        )
        krs = KeyResult.objects.filter(workspace=workspace)
        assert set(
            krs.filter(selectors.visible_q(member, "objective__")).values_list(
                "objective_id", flat=True
            )
        ) == want & set(krs.values_list("objective_id", flat=True))
        checkins = CheckIn.objects.filter(workspace=workspace)
        assert {
            c.key_result.objective_id
            for c in checkins.filter(selectors.visible_q(member, "key_result__objective__"))
        } == want & {c.key_result.objective_id for c in checkins}
        blockers = Dependency.objects.filter(selectors.visible_q(member, "blocked_by__"))
        assert {d.blocked_by_id for d in blockers} == want & {secret["objective"].pk, mine.pk}
