"""A time model people trust: grading opens in a cycle's last two weeks (or when it is
closed early, with a confirmation), a grading error keeps what was typed, and a closed
cycle is read-only until an administrator reopens it (audited)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn, Retrospective
from waypoint.workspaces.models import AuditEntry


@pytest.fixture
def running(workspace, owner, owner_user):
    """A cycle with six weeks to go, an objective with a key result of the owner's."""
    today = workspace.today()
    cycle = okr.cycle_create(
        workspace=workspace,
        name="Running",
        start=today - dt.timedelta(days=48),
        end=today + dt.timedelta(days=42),
        actor=None,
    )
    okr.cycle_set_current(cycle=cycle, actor=None)
    objective = okr.objective_create(
        workspace=workspace, cycle=cycle, title="Ship it", owner=owner, actor=None
    )
    kr = okr.key_result_create(
        objective=objective, title="Users from 0 to 100", start=0, target=100, actor=None
    )
    return {"cycle": cycle, "objective": objective, "kr": kr}


def grade_post(objective, **fields):
    data = {
        f"o{objective.pk}-grade": "0.4",
        **{f"o{objective.pk}-{k}": v for k, v in fields.items()},
    }
    return data


def test_grading_waits_for_the_last_two_weeks(client, owner_user, running):
    client.force_login(owner_user)
    cycle, objective = running["cycle"], running["objective"]
    page = client.get(f"/w/acme/cycles/{cycle.pk}/retro/").content.decode()
    assert "data-grading-closed" in page and 'data-action="grade"' not in page
    assert "Close early" in page and "Close it early?" in page  # asks before closing
    response = client.post(f"/w/acme/objectives/{objective.pk}/grade/", grade_post(objective))
    assert response.status_code == 422 and "Grading opens on" in response.content.decode()
    assert not Retrospective.objects.filter(grade__isnull=False).exists()
    # Two weeks before the end, it opens.
    cycle.start -= dt.timedelta(days=30)
    cycle.end -= dt.timedelta(days=30)
    cycle.save()
    page = client.get(f"/w/acme/cycles/{cycle.pk}/retro/").content.decode()
    assert "data-grading-closed" not in page and 'data-action="grade"' in page


def test_closing_early_opens_grading_and_makes_the_cycle_read_only(
    client, owner_user, running, owner
):
    client.force_login(owner_user)
    cycle, objective, kr = running["cycle"], running["objective"], running["kr"]
    client.post(f"/w/acme/cycles/{cycle.pk}/close/")
    cycle.refresh_from_db()
    assert cycle.status == "closed"
    page = client.get(f"/w/acme/cycles/{cycle.pk}/retro/").content.decode()
    assert "data-read-only" in page and 'data-action="grade"' in page
    response = client.post(
        f"/w/acme/objectives/{objective.pk}/grade/",
        grade_post(objective, override_reason="Slower than hoped", learned="Start sooner"),
    )
    assert response.status_code == 302
    assert Retrospective.objects.get(objective=objective).grade == 0.4
    # Nothing of the cycle itself changes any more: not by the web, not by a service.
    response = client.post(
        "/w/acme/checkin/", {f"kr{kr.pk}-value": "50", f"kr{kr.pk}-confidence": "on_track"}
    )
    assert not CheckIn.objects.exists()
    with pytest.raises(ValidationError, match="is closed"):
        okr.checkin_create(key_result=kr, date=cycle.end, value=5, actor=None)
    with pytest.raises(ValidationError, match="is closed"):
        okr.key_result_update(key_result=kr, target=200, actor=None)
    with pytest.raises(ValidationError, match="is closed"):
        okr.objective_create(workspace=cycle.workspace, cycle=cycle, title="Late", actor=None)
    okr.objective_update(objective=objective, title="Ship it", actor=None)  # no change: fine


def test_only_an_administrator_reopens_and_it_is_audited(client, owner_user, running, teammate):
    cycle, kr = running["cycle"], running["kr"]
    okr.cycle_close(cycle=cycle, actor=owner_user)
    client.force_login(teammate.user)
    assert client.post(f"/w/acme/cycles/{cycle.pk}/reopen/").status_code == 403
    client.force_login(owner_user)
    client.post(f"/w/acme/cycles/{cycle.pk}/reopen/")
    cycle.refresh_from_db()
    running["objective"].refresh_from_db()
    assert cycle.status == "open" and running["objective"].status == "active"
    entry = AuditEntry.objects.get(action="cycle.reopen")
    assert entry.actor == owner_user and entry.after["status"] == "open"
    assert entry.before["status"] == "closed"
    kr.refresh_from_db()
    okr.checkin_create(key_result=kr, date=cycle.workspace.today(), value=5, actor=None)


def test_a_grading_error_keeps_what_was_typed(client, owner_user, running):
    cycle, objective = running["cycle"], running["objective"]
    okr.cycle_close(cycle=cycle, actor=owner_user)
    client.force_login(owner_user)
    response = client.post(
        f"/w/acme/objectives/{objective.pk}/grade/",
        grade_post(objective, what_worked="Weekly demos", learned="Cut scope early"),
    )  # 0.4 against a score of 0.0, and no reason given
    assert response.status_code == 422
    html = response.content.decode()
    assert "differs from its key results&#x27; grades" in html
    assert "Weekly demos" in html and "Cut scope early" in html and 'value="0.4"' in html
    assert not Retrospective.objects.filter(grade__isnull=False).exists()
