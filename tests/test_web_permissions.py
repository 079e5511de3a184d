"""Every view, for every role and for an outsider: who may read, who may write, who gets 404.

The personas: an owner, an admin, an editor, a member who owns the objective "mine",
a viewer, and an outsider from another workspace (who must get 404, never 403).
"""

import datetime as dt

import pytest

from waypoint.okrs import services as okr
from waypoint.okrs.models import Objective
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Invitation, Role

ROLES = ["owner", "admin", "editor", "member", "viewer"]
READ = set(ROLES)
WRITE_ANY = {"owner", "admin", "editor"}
MEMBERS_UP = {"owner", "admin", "editor", "member"}
ADMINS = {"owner", "admin"}


@pytest.fixture
def world(db, django_user_model):
    users = {
        r: django_user_model.objects.create_user(email=f"{r}@acme.test", password="pw-12345-x")
        for r in [*ROLES, "outsider", "target"]
    }
    ws = ws_services.workspace_create(name="Acme", slug="acme", owner=users["owner"], actor=None)
    members = {"owner": ws.members.get(user=users["owner"])}
    for r in ["admin", "editor", "member", "viewer"]:
        members[r] = ws_services.member_add(workspace=ws, user=users[r], role=r, actor=None)
    target = ws_services.member_add(
        workspace=ws, user=users["target"], role=Role.MEMBER, actor=None
    )
    ws_services.workspace_create(name="Rival", slug="rival", owner=users["outsider"], actor=None)
    team = ws_services.team_create(workspace=ws, name="Support", actor=None)
    cycle = okr.cycle_create(
        workspace=ws, name="Q1", start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31), actor=None
    )
    other_cycle = okr.cycle_create(
        workspace=ws, name="Q2", start=dt.date(2026, 4, 1), end=dt.date(2026, 6, 30), actor=None
    )
    mine = okr.objective_create(
        workspace=ws, cycle=cycle, title="Mine", owner=members["member"], actor=None
    )
    theirs = okr.objective_create(
        workspace=ws, cycle=cycle, title="Theirs", owner=members["editor"], actor=None
    )
    objs = {}
    for name, obj in (("mine", mine), ("theirs", theirs)):
        objs[name] = obj
        for i in (1, 2):
            okr.key_result_create(
                objective=obj,
                title=f"{name} KR {i} from 0 to 10",
                start=0,
                target=10,
                owner=obj.owner,
                actor=None,
            )
    invitation = ws_services.invitation_create(workspace=ws, email="new@acme.test", actor=None)
    from waypoint.kpis import services as kpis

    kpi_mine = kpis.kpi_create(
        workspace=ws,
        actor=None,
        name="Mine KPI",
        owner=members["member"],
        target=10,
        warning=5,
        critical=2,
    )
    kpi_theirs = kpis.kpi_create(
        workspace=ws,
        actor=None,
        name="Their KPI",
        owner=members["editor"],
        target=10,
        warning=5,
        critical=2,
    )
    kpis.data_points_record(kpi=kpi_theirs, rows=[(dt.date(2026, 1, 5), 1)], actor=None)
    return {
        "kpi_mine": kpi_mine,
        "kpi_theirs": kpi_theirs,
        "ws": ws,
        "users": users,
        "members": members,
        "target": target,
        "team": team,
        "cycle": cycle,
        "other_cycle": other_cycle,
        "objs": objs,
        "invitation": invitation,
    }


def kr_of(world, name, i=0):
    return world["objs"][name].key_results.order_by("position")[i]


def png_upload():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 20), (13, 148, 136)).save(out, format="PNG")
    return SimpleUploadedFile("logo.png", out.getvalue(), content_type="image/png")


def with_logo(world, path):
    ws_services.workspace_set_logo(workspace=world["ws"], image=png_upload().read(), actor=None)
    return path


def dashboard_link(world):
    from waypoint.reports import services as reports

    return reports.dashboard_link_create(workspace=world["ws"], days=7, actor=None)


# (name, method, path builder, POST data builder, roles allowed)
CASES = [
    ("home", "get", lambda w: "/w/acme/", None, READ),
    ("overview current", "get", lambda w: "/w/acme/overview/", None, READ),
    ("overview", "get", lambda w: f"/w/acme/cycles/{w['cycle'].pk}/", None, READ),
    ("tree", "get", lambda w: f"/w/acme/cycles/{w['cycle'].pk}/tree/", None, READ),
    ("cycle pdf", "get", lambda w: f"/w/acme/cycles/{w['cycle'].pk}/export/pdf/", None, READ),
    ("objective", "get", lambda w: f"/w/acme/objectives/{w['objs']['theirs'].pk}/", None, READ),
    ("cycles", "get", lambda w: "/w/acme/cycles/", None, READ),
    ("teams", "get", lambda w: "/w/acme/teams/", None, READ),
    ("team", "get", lambda w: f"/w/acme/teams/{w['team'].pk}/", None, READ),
    ("people", "get", lambda w: "/w/acme/people/", None, READ),
    ("person", "get", lambda w: f"/w/acme/people/{w['target'].pk}/", None, READ),
    ("check-in screen", "get", lambda w: "/w/acme/checkin/", None, MEMBERS_UP),
    (
        "new objective",
        "get",
        lambda w: f"/w/acme/cycles/{w['cycle'].pk}/objectives/new/",
        None,
        MEMBERS_UP,
    ),
    ("kr fields", "get", lambda w: "/w/acme/krs/fields/?type=maintain", None, MEMBERS_UP),
    (
        "edit own objective",
        "get",
        lambda w: f"/w/acme/objectives/{w['objs']['mine'].pk}/edit/",
        None,
        MEMBERS_UP,
    ),
    (
        "edit others' objective",
        "get",
        lambda w: f"/w/acme/objectives/{w['objs']['theirs'].pk}/edit/",
        None,
        WRITE_ANY,
    ),
    (
        "edit others' KR",
        "get",
        lambda w: f"/w/acme/krs/{kr_of(w, 'theirs').pk}/edit/",
        None,
        WRITE_ANY,
    ),
    (
        "delete others' KR page",
        "get",
        lambda w: f"/w/acme/krs/{kr_of(w, 'theirs').pk}/delete/",
        None,
        WRITE_ANY,
    ),
    (
        "archive others' objective page",
        "get",
        lambda w: f"/w/acme/objectives/{w['objs']['theirs'].pk}/archive/",
        None,
        WRITE_ANY,
    ),
    (
        "delete others' objective page",
        "get",
        lambda w: f"/w/acme/objectives/{w['objs']['theirs'].pk}/delete/",
        None,
        WRITE_ANY,
    ),
    ("settings", "get", lambda w: "/w/acme/settings/", None, ADMINS),
    ("new team page", "get", lambda w: "/w/acme/settings/teams/new/", None, ADMINS),
    (
        "edit team page",
        "get",
        lambda w: f"/w/acme/settings/teams/{w['team'].pk}/edit/",
        None,
        ADMINS,
    ),
    (
        "delete team page",
        "get",
        lambda w: f"/w/acme/settings/teams/{w['team'].pk}/delete/",
        None,
        ADMINS,
    ),
    # writes
    (
        "check in on own KR",
        "post",
        lambda w: f"/w/acme/krs/{kr_of(w, 'mine').pk}/checkin/",
        lambda w: {
            f"kr{kr_of(w, 'mine').pk}-value": "3",
            f"kr{kr_of(w, 'mine').pk}-confidence": "on_track",
        },
        MEMBERS_UP,
    ),
    (
        "check in on others' KR",
        "post",
        lambda w: f"/w/acme/krs/{kr_of(w, 'theirs').pk}/checkin/",
        lambda w: {
            f"kr{kr_of(w, 'theirs').pk}-value": "3",
            f"kr{kr_of(w, 'theirs').pk}-confidence": "on_track",
        },
        WRITE_ANY,
    ),
    (
        "comment",
        "post",
        lambda w: f"/w/acme/objectives/{w['objs']['theirs'].pk}/comments/",
        lambda w: {"body": "Nice work"},
        MEMBERS_UP,
    ),
    (
        "create objective",
        "post",
        lambda w: f"/w/acme/cycles/{w['cycle'].pk}/objectives/new/",
        lambda w: {"title": "New one", "level": "team", "kind": "aspirational"},
        MEMBERS_UP,
    ),
    (
        "add KR to own objective",
        "post",
        lambda w: f"/w/acme/objectives/{w['objs']['mine'].pk}/krs/new/",
        lambda w: {
            "kr-title": "Grow from 1 to 5",
            "kr-type": "increase",
            "kr-start": "1",
            "kr-target": "5",
            "kr-scoring": "spectrum",
            "kr-weight": "1",
        },
        MEMBERS_UP,
    ),
    (
        "add KR to others' objective",
        "post",
        lambda w: f"/w/acme/objectives/{w['objs']['theirs'].pk}/krs/new/",
        lambda w: {
            "kr-title": "Grow from 1 to 5",
            "kr-type": "increase",
            "kr-start": "1",
            "kr-target": "5",
            "kr-scoring": "spectrum",
            "kr-weight": "1",
        },
        WRITE_ANY,
    ),
    (
        "reorder others' KR",
        "post",
        lambda w: f"/w/acme/krs/{kr_of(w, 'theirs', 1).pk}/move/up/",
        lambda w: {},
        WRITE_ANY,
    ),
    (
        "move others' objective",
        "post",
        lambda w: f"/w/acme/objectives/{w['objs']['theirs'].pk}/move/",
        lambda w: {"cycle": w["other_cycle"].pk},
        WRITE_ANY,
    ),
    (
        "archive others' objective",
        "post",
        lambda w: f"/w/acme/objectives/{w['objs']['theirs'].pk}/archive/",
        lambda w: {},
        WRITE_ANY,
    ),
    (
        "delete others' objective",
        "post",
        lambda w: f"/w/acme/objectives/{w['objs']['theirs'].pk}/delete/",
        lambda w: {},
        WRITE_ANY,
    ),
    (
        "delete others' KR",
        "post",
        lambda w: f"/w/acme/krs/{kr_of(w, 'theirs').pk}/delete/",
        lambda w: {},
        WRITE_ANY,
    ),
    (
        "initiative on others' KR",
        "post",
        lambda w: f"/w/acme/krs/{kr_of(w, 'theirs').pk}/initiatives/new/",
        lambda w: {"title": "Do it", "status": "planned"},
        WRITE_ANY,
    ),
    (
        "create year",
        "post",
        lambda w: "/w/acme/cycles/year/",
        lambda w: {"year": "2030", "quarters": "on"},
        ADMINS,
    ),
    (
        "create cycle",
        "post",
        lambda w: "/w/acme/cycles/new/",
        lambda w: {"name": "Sprint", "start": "2026-07-01", "end": "2026-07-31"},
        ADMINS,
    ),
    (
        "set current cycle",
        "post",
        lambda w: f"/w/acme/cycles/{w['cycle'].pk}/current/",
        lambda w: {},
        ADMINS,
    ),
    (
        "save settings",
        "post",
        lambda w: "/w/acme/settings/",
        lambda w: {"name": "Acme", "time_zone": "Europe/Warsaw", "language": "pl"},
        ADMINS,
    ),
    (
        "invite",
        "post",
        lambda w: "/w/acme/settings/invitations/",
        lambda w: {"email": "another@acme.test", "role": "member"},
        ADMINS,
    ),
    (
        "revoke invitation",
        "post",
        lambda w: f"/w/acme/settings/invitations/{w['invitation'].pk}/revoke/",
        lambda w: {},
        ADMINS,
    ),
    (
        "change role",
        "post",
        lambda w: f"/w/acme/settings/members/{w['target'].pk}/role/",
        lambda w: {f"m{w['target'].pk}-role": "editor"},
        ADMINS,
    ),
    ("kpi board", "get", lambda w: "/w/acme/kpis/", None, READ),
    ("kpi processes", "get", lambda w: "/w/acme/kpis/processes/", None, READ),
    ("kpi page", "get", lambda w: f"/w/acme/kpis/{w['kpi_theirs'].pk}/", None, READ),
    ("kpi derive", "get", lambda w: "/w/acme/kpis/derive/", None, READ),
    ("alerts", "get", lambda w: "/w/acme/alerts/", None, READ),
    ("notifications", "get", lambda w: "/w/acme/inbox/", None, READ),
    ("mark notifications read", "post", lambda w: "/w/acme/inbox/read/", lambda w: {}, READ),
    ("kpi templates", "get", lambda w: "/w/acme/kpis/templates/", None, WRITE_ANY),
    ("new kpi page", "get", lambda w: "/w/acme/kpis/new/", None, WRITE_ANY),
    ("edit kpi page", "get", lambda w: f"/w/acme/kpis/{w['kpi_mine'].pk}/edit/", None, WRITE_ANY),
    (
        "create kpi",
        "post",
        lambda w: "/w/acme/kpis/new/",
        lambda w: {
            "name": "Leads",
            "direction": "higher_is_better",
            "frequency": "weekly",
            "aggregation": "sum",
        },
        WRITE_ANY,
    ),
    (
        "delete kpi",
        "post",
        lambda w: f"/w/acme/kpis/{w['kpi_mine'].pk}/delete/",
        lambda w: {},
        WRITE_ANY,
    ),
    (
        "data on own kpi",
        "post",
        lambda w: f"/w/acme/kpis/{w['kpi_mine'].pk}/data/",
        lambda w: {"date": "2026-01-05", "value": "3"},
        MEMBERS_UP,
    ),
    (
        "data on others' kpi",
        "post",
        lambda w: f"/w/acme/kpis/{w['kpi_theirs'].pk}/data/",
        lambda w: {"date": "2026-01-05", "value": "3"},
        WRITE_ANY,
    ),
    (
        "respond to others' deviation",
        "post",
        lambda w: f"/w/acme/deviations/{w['kpi_theirs'].deviations.get().pk}/respond/",
        lambda w: {
            f"d{w['kpi_theirs'].deviations.get().pk}-{k}": v
            for k, v in {
                "response": "improve_process",
                "note": "Second supplier",
                "initiative_due": "2099-01-01",
            }.items()
        },
        WRITE_ANY,
    ),
    (
        "annotate a kpi",
        "post",
        lambda w: f"/w/acme/kpis/{w['kpi_theirs'].pk}/annotations/",
        lambda w: {"date": "2026-01-05", "kind": "campaign", "text": "Launch"},
        MEMBERS_UP,
    ),
    (
        "promote others' kpi",
        "post",
        lambda w: f"/w/acme/kpis/{w['kpi_theirs'].pk}/promote/",
        lambda w: {},
        WRITE_ANY,
    ),
    ("maturity", "get", lambda w: "/w/acme/coach/maturity/", None, READ),
    ("api tokens page", "get", lambda w: "/w/acme/tokens/", None, READ),
    (
        "create a read token",
        "post",
        lambda w: "/w/acme/tokens/",
        lambda w: {"name": "dash", "scope": "read"},
        READ,
    ),
    ("retrospective page", "get", lambda w: f"/w/acme/cycles/{w['cycle'].pk}/retro/", None, READ),
    ("coach settings", "get", lambda w: "/w/acme/coach/settings/", None, ADMINS),
    (
        "save coach settings",
        "post",
        lambda w: "/w/acme/coach/settings/",
        lambda w: {
            "min_krs": "2",
            "max_krs": "4",
            "max_objectives": "5",
            "enabled": ["missing-why"],
        },
        ADMINS,
    ),
    (
        "live check",
        "post",
        lambda w: "/w/acme/coach/check/",
        lambda w: {"objective": w["objs"]["mine"].pk, "kr-title": "Launch it"},
        MEMBERS_UP,
    ),
    (
        "grade own objective",
        "post",
        lambda w: f"/w/acme/objectives/{w['objs']['mine'].pk}/grade/",
        lambda w: {f"o{w['objs']['mine'].pk}-grade": "0"},
        MEMBERS_UP,
    ),
    (
        "grade others' objective",
        "post",
        lambda w: f"/w/acme/objectives/{w['objs']['theirs'].pk}/grade/",
        lambda w: {f"o{w['objs']['theirs'].pk}-grade": "0"},
        WRITE_ANY,
    ),
    (
        "carry others' objective",
        "post",
        lambda w: f"/w/acme/objectives/{w['objs']['theirs'].pk}/carry/",
        lambda w: {f"c{w['objs']['theirs'].pk}-cycle": w["other_cycle"].pk},
        WRITE_ANY,
    ),
    (
        "cycle review",
        "post",
        lambda w: f"/w/acme/cycles/{w['cycle'].pk}/review/",
        lambda w: {"held_on": "2026-04-02", "summary": "Fewer objectives"},
        ADMINS,
    ),
    (
        "close cycle",
        "post",
        lambda w: f"/w/acme/cycles/{w['cycle'].pk}/close/",
        lambda w: {},
        ADMINS,
    ),
    ("split page", "get", lambda w: f"/w/acme/krs/{kr_of(w, 'theirs').pk}/split/", None, WRITE_ANY),
    (
        "remove member",
        "post",
        lambda w: f"/w/acme/settings/members/{w['target'].pk}/remove/",
        lambda w: {},
        ADMINS,
    ),
    (
        "create team",
        "post",
        lambda w: "/w/acme/settings/teams/new/",
        lambda w: {"name": "Platform"},
        ADMINS,
    ),
    (
        "delete team",
        "post",
        lambda w: f"/w/acme/settings/teams/{w['team'].pk}/delete/",
        lambda w: {},
        ADMINS,
    ),
    (
        "upload logo",
        "post",
        lambda w: "/w/acme/settings/logo/",
        lambda w: {"logo": png_upload()},
        ADMINS,
    ),
    (
        "remove logo",
        "post",
        lambda w: with_logo(w, "/w/acme/settings/logo/"),
        lambda w: {"remove": "1"},
        ADMINS,
    ),
    ("logo image", "get", lambda w: with_logo(w, "/w/acme/logo.png"), None, READ),
    ("reports", "get", lambda w: "/w/acme/reports/", None, READ),
    (
        "share dashboard",
        "post",
        lambda w: "/w/acme/reports/dashboard-links/",
        lambda w: {"days": "7"},
        WRITE_ANY,
    ),
    (
        "revoke dashboard link",
        "post",
        lambda w: f"/w/acme/share-links/{dashboard_link(w).pk}/revoke/",
        lambda w: {},
        WRITE_ANY,
    ),
]


@pytest.mark.parametrize("role", [*ROLES, "outsider"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_view_lets_in_exactly_the_roles_it_should(client, world, case, role):
    name, method, path, data, allowed = case
    client.force_login(world["users"][role])
    url = path(world)
    response = client.get(url) if method == "get" else client.post(url, data(world))
    if role == "outsider":
        assert response.status_code == 404, (name, response.status_code)
    elif role in allowed:
        assert response.status_code in (200, 302), (name, role, response.status_code)
    else:
        assert response.status_code == 403, (name, role, response.status_code)


def test_anonymous_visitors_are_sent_to_the_login(client, world):
    response = client.get("/w/acme/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_private_objective_is_a_404_for_members_outside_its_teams(client, world):
    objective = world["objs"]["theirs"]
    okr.objective_update(objective=objective, private=True, teams=[world["team"]], actor=None)
    client.force_login(world["users"]["member"])
    assert client.get(f"/w/acme/objectives/{objective.pk}/").status_code == 404
    overview = client.get(f"/w/acme/cycles/{world['cycle'].pk}/").content.decode()
    assert "Theirs" not in overview and "Mine" in overview
    ws_services.team_set_members(
        team=world["team"], members=[world["members"]["member"]], actor=None
    )
    assert client.get(f"/w/acme/objectives/{objective.pk}/").status_code == 200
    client.force_login(world["users"]["admin"])
    assert client.get(f"/w/acme/objectives/{objective.pk}/").status_code == 200


def test_a_member_cannot_give_their_objective_to_someone_else(client, world):
    client.force_login(world["users"]["member"])
    mine = world["objs"]["mine"]
    client.post(
        f"/w/acme/objectives/{mine.pk}/edit/",
        {
            "title": "Mine, renamed",
            "level": "team",
            "kind": "aspirational",
            "owner": world["members"]["editor"].pk,
        },
    )
    mine.refresh_from_db()
    assert mine.title == "Mine, renamed" and mine.owner == world["members"]["member"]


def test_an_admin_cannot_make_an_owner(client, world):
    client.force_login(world["users"]["admin"])
    target = world["target"]
    client.post(f"/w/acme/settings/members/{target.pk}/role/", {f"m{target.pk}-role": "owner"})
    target.refresh_from_db()
    assert target.role == Role.MEMBER


def test_another_workspaces_objective_is_a_404_even_through_my_own_workspace(client, world):
    rival_owner = world["users"]["outsider"]
    rival = rival_owner.memberships.get().workspace
    cycle = okr.cycle_create(
        workspace=rival, name="R1", start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31), actor=None
    )
    secret = okr.objective_create(workspace=rival, cycle=cycle, title="Secret plan", actor=None)
    client.force_login(world["users"]["owner"])
    assert client.get(f"/w/acme/objectives/{secret.pk}/").status_code == 404
    assert client.get(f"/w/acme/cycles/{cycle.pk}/").status_code == 404
    assert client.post(f"/w/acme/objectives/{secret.pk}/delete/").status_code == 404
    assert Objective.objects.filter(pk=secret.pk).exists()


def test_an_invitation_link_joins_the_workspace_with_its_role(client, world, django_user_model):
    invitation = world["invitation"]
    newcomer = django_user_model.objects.create_user(email="new@acme.test", password="pw-12345-x")
    client.force_login(newcomer)
    response = client.post(f"/invite/{invitation.token}/")
    assert response.status_code == 302
    assert newcomer.memberships.get().role == Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    # Used once: a second visit cannot join anyone else.
    other = django_user_model.objects.create_user(email="x@acme.test", password="pw-12345-x")
    client.force_login(other)
    client.post(f"/invite/{invitation.token}/")
    assert not other.memberships.exists()
    assert Invitation.objects.get(pk=invitation.pk).accepted_at == invitation.accepted_at
