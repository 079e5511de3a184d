"""Reuse: an objective copied to another cycle, team or person, as a draft with its key
results (their start and target, none of the check-ins)."""

import datetime as dt

from waypoint.okrs import services as okr
from waypoint.okrs.models import Objective
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry, Role


def test_an_objective_is_copied_to_another_cycle_person_and_team(
    client, owner_user, workspace, objective, key_result, teammate, quarter
):
    team = ws_services.team_create(workspace=workspace, name="Growth", actor=None)
    okr.checkin_create(key_result=key_result, date=quarter.start, value=58, actor=None)
    next_q = okr.cycle_create(
        workspace=workspace,
        name="Next",
        start=quarter.end + dt.timedelta(days=1),
        end=quarter.end + dt.timedelta(days=91),
        actor=None,
    )
    client.force_login(owner_user)
    assert (
        'data-action="copy"' in client.get(f"/w/acme/objectives/{objective.pk}/").content.decode()
    )
    answer = client.post(
        f"/w/acme/objectives/{objective.pk}/copy/",
        {"cycle": next_q.pk, "owner": teammate.pk, "teams": [team.pk]},
    )
    copy = Objective.objects.exclude(pk=objective.pk).get()
    assert answer.status_code == 302 and answer["Location"].endswith(f"/objectives/{copy.pk}/edit/")
    assert (copy.cycle, copy.owner, copy.status, copy.title) == (
        next_q,
        teammate,
        "draft",
        objective.title,
    )
    assert list(copy.teams.all()) == [team] and copy.parent is None
    (kr,) = copy.key_results.all()
    assert (kr.title, kr.start, kr.target) == (
        key_result.title,
        key_result.start,
        key_result.target,
    )
    assert not kr.checkins.exists() and kr.progress == 0
    # The key result the original's owner held goes to the new owner.
    assert key_result.owner == objective.owner and kr.owner == teammate
    entry = AuditEntry.objects.get(action="objective.copy")
    assert entry.after == {"from": objective.pk, "cycle": next_q.pk}


def test_a_member_copies_as_their_own_and_sees_only_what_they_may(
    client, workspace, objective, teammate, quarter
):
    client.force_login(teammate.user)  # a member: not an editor of others' objectives
    page = client.get(f"/w/acme/objectives/{objective.pk}/copy/").content.decode()
    assert 'name="owner"' not in page
    client.post(f"/w/acme/objectives/{objective.pk}/copy/", {"cycle": quarter.pk})
    copy = Objective.objects.exclude(pk=objective.pk).get()
    assert copy.owner == teammate and copy.parent == objective.parent
    objective.private = True
    objective.save()
    assert client.get(f"/w/acme/objectives/{objective.pk}/copy/").status_code == 404
    viewer = ws_services.member_ensure(
        workspace=workspace, email="val@acme.test", full_name="Val", role=Role.VIEWER, actor=None
    )
    client.force_login(viewer.user)
    assert client.get(f"/w/acme/objectives/{copy.pk}/copy/").status_code == 403


def test_a_copy_of_a_private_objective_stays_private_and_a_closed_cycle_refuses_it(
    objective, quarter, owner
):
    from django.core.exceptions import ValidationError

    objective.private = True
    objective.save()
    copy = okr.objective_copy(objective=objective, cycle=quarter, actor=None)
    assert copy.private and copy.owner == objective.owner
    okr.cycle_close(cycle=quarter, actor=None, without_postmortems=True)
    quarter.refresh_from_db()
    try:
        okr.objective_copy(objective=objective, cycle=quarter, actor=None)
    except ValidationError as exc:
        assert "closed" in " ".join(exc.messages)
    else:
        raise AssertionError("a closed cycle took a copy")
