"""Dependencies between objectives ("blocked by"): the rules of the service, the objective
page on both sides, the search that adds one, the map's data and its dashed line."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from waypoint.okrs import services as okr
from waypoint.okrs.models import Dependency
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry, Member


@pytest.fixture
def teams(workspace, owner, teammate):
    today = workspace.today()
    cycle = okr.cycle_create(
        workspace=workspace,
        name="Now",
        start=today - dt.timedelta(days=30),
        end=today + dt.timedelta(days=60),
        actor=None,
    )
    okr.cycle_set_current(cycle=cycle, actor=None)

    def objective(title, owner_=owner, **kw):
        return okr.objective_create(
            workspace=workspace, cycle=cycle, title=title, owner=owner_, actor=None, **kw
        )

    launch = objective("Launch the mobile app")
    api = objective("Public API for partners", teammate)
    billing = objective("Billing in twelve currencies", teammate)
    kr = okr.key_result_create(
        objective=api, title="Endpoints live", start=0, target=10, actor=None
    )
    okr.checkin_create(key_result=kr, date=workspace.today(), value=2, actor=None)
    return {"cycle": cycle, "launch": launch, "api": api, "billing": billing}


def test_a_dependency_is_recorded_with_its_audit_row_and_refused_where_it_makes_no_sense(
    teams, other_workspace
):
    launch, api, billing = teams["launch"], teams["api"], teams["billing"]
    d = okr.dependency_add(
        objective=launch, blocked_by=api, note=" the login endpoint ", actor=None
    )
    assert (d.objective, d.blocked_by, d.note) == (launch, api, "the login endpoint")
    assert AuditEntry.objects.filter(action="dependency.create", object_id=d.pk).exists()

    def refused(objective, blocked_by, note=""):
        before = Dependency.objects.count()
        with pytest.raises(ValidationError) as exc:
            okr.dependency_add(objective=objective, blocked_by=blocked_by, note=note, actor=None)
        assert Dependency.objects.count() == before
        return " ".join(exc.value.messages)

    assert "itself" in refused(launch, launch)
    assert "already waits" in refused(launch, api)
    assert "At most 200" in refused(launch, billing, "x" * 201)
    # A circle, even through another: the API waits for billing, which waits for the launch.
    okr.dependency_add(objective=api, blocked_by=billing, actor=None)
    assert "circle" in refused(billing, launch)
    assert "circle" in refused(api, launch)
    rival_cycle = okr.cycle_create(
        workspace=other_workspace,
        name="R",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        actor=None,
    )
    rival = okr.objective_create(
        workspace=other_workspace, cycle=rival_cycle, title="Theirs", actor=None
    )
    assert "another workspace" in refused(launch, rival)
    pk = d.pk
    okr.dependency_remove(dependency=d, actor=None)
    assert not Dependency.objects.filter(pk=pk).exists()
    assert AuditEntry.objects.filter(action="dependency.delete", object_id=pk).exists()
    # With that one gone, the launch may now block billing without a circle.
    okr.dependency_add(objective=billing, blocked_by=launch, actor=None)


def test_both_objectives_show_the_dependency_and_a_private_blocker_stays_hidden(
    client, teams, owner_user, teammate, workspace
):
    launch, api = teams["launch"], teams["api"]
    okr.dependency_add(objective=launch, blocked_by=api, note="the login endpoint", actor=None)
    client.force_login(owner_user)
    page = client.get(f"/w/{workspace.slug}/objectives/{launch.pk}/").content.decode()
    waits = page[page.index("data-waits-for") :]
    assert "Public API for partners" in waits and "the login endpoint" in waits
    assert "Tess Teammate" in waits
    assert "20%" in waits and 'class="pace' in waits  # its progress and pace
    other = client.get(f"/w/{workspace.slug}/objectives/{api.pk}/").content.decode()
    assert "Waiting for this objective" in other and "Launch the mobile app" in other
    # A private blocker that a member may not see is not shown to them.
    okr.objective_update(objective=api, private=True, actor=None)
    reader = ws_services.member_ensure(
        workspace=workspace,
        email="ron@acme.test",
        full_name="Ron Reader",
        role="member",
        actor=None,
    )
    client.force_login(reader.user)
    page = client.get(f"/w/{workspace.slug}/objectives/{launch.pk}/").content.decode()
    assert "Public API for partners" not in page and "waits for no other" in page


def test_the_search_adds_a_blocker_and_only_editors_may(client, teams, owner_user, workspace):
    launch, api = teams["launch"], teams["api"]
    client.force_login(owner_user)
    url = f"/w/{workspace.slug}/objectives/{launch.pk}/"
    found = client.get(url, {"find": "partners"}).content.decode()
    candidates = found[found.index("data-candidates") :]
    assert "Public API for partners" in candidates and "Billing" not in candidates
    assert "No objective found" in client.get(url, {"find": "zzz"}).content.decode()
    answer = client.post(f"{url}dependencies/", {"blocked_by": api.pk, "note": "login"})
    assert answer.status_code == 302 and answer["Location"].endswith("#dependencies")
    assert Dependency.objects.filter(objective=launch, blocked_by=api, note="login").exists()
    # The same again: refused with the reason, nothing written.
    again = client.post(f"{url}dependencies/", {"blocked_by": api.pk}, follow=True)
    assert "already waits" in again.content.decode()
    assert client.post(f"{url}dependencies/", {"blocked_by": "x"}, follow=True).status_code == 200
    assert Dependency.objects.count() == 1
    # A member who may not edit the launch cannot add or remove its dependencies.
    reader = ws_services.member_ensure(
        workspace=workspace,
        email="ron@acme.test",
        full_name="Ron Reader",
        role="member",
        actor=None,
    )
    client.force_login(reader.user)
    assert (
        client.post(f"{url}dependencies/", {"blocked_by": teams["billing"].pk}).status_code == 403
    )
    d = Dependency.objects.get()
    assert client.post(f"/w/{workspace.slug}/dependencies/{d.pk}/delete/").status_code == 403
    client.force_login(owner_user)
    client.post(f"/w/{workspace.slug}/dependencies/{d.pk}/delete/")
    assert not Dependency.objects.exists()


def test_the_maps_data_names_each_objectives_visible_blockers(client, teams, owner_user, workspace):
    launch, api, billing = teams["launch"], teams["api"], teams["billing"]
    okr.dependency_add(objective=launch, blocked_by=api, actor=None)
    okr.dependency_add(objective=launch, blocked_by=billing, actor=None)
    okr.objective_update(objective=launch, level="company", actor=None)
    for o in (api, billing):
        okr.objective_update(objective=o, parent=launch, actor=None)
    client.force_login(owner_user)
    data = client.get(f"/w/{workspace.slug}/cycles/{teams['cycle'].pk}/map.json").json()
    (top,) = data["nodes"]
    assert sorted(top["blocked_by"]) == sorted([api.pk, billing.pk])
    assert top["counts_towards"] == [] and all(n["counts_towards"] == [] for n in top["children"])
    okr.contribution_add(objective=billing, parent=api, weight=2, actor=None)
    data = client.get(f"/w/{workspace.slug}/cycles/{teams['cycle'].pk}/map.json").json()
    towards = {n["id"]: n["counts_towards"] for n in data["nodes"][0]["children"]}
    assert towards == {api.pk: [], billing.pk: [api.pk]}
    okr.objective_update(objective=billing, private=True, actor=None)
    reader = ws_services.member_ensure(
        workspace=workspace,
        email="ron@acme.test",
        full_name="Ron Reader",
        role="member",
        actor=None,
    )
    client.force_login(reader.user)
    data = client.get(f"/w/{workspace.slug}/cycles/{teams['cycle'].pk}/map.json").json()
    assert data["nodes"][0]["blocked_by"] == [api.pk]
    assert Member.objects.filter(workspace=workspace).count() == 3
