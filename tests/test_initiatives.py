"""Initiatives as the accountability list: status, owner, due date, checklist and done date,
edited where they are listed and in the API; overdue ones reach their owner; and a key
result shows which finished work came before its value moved."""

import datetime as dt
import json

import pytest
from django.test import TestCase

from waypoint.integrations import notifications
from waypoint.integrations.models import Notification
from waypoint.okrs import services as okr
from waypoint.okrs.models import Initiative
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry


@pytest.fixture
def work(key_result, teammate):
    return okr.initiative_create(
        key_result=key_result,
        title="Call every lapsed customer",
        owner=teammate,
        checklist=[{"text": "Export the list", "done": False}, {"text": "Script", "done": True}],
        actor=None,
    )


def edit_url(initiative):
    return f"/w/acme/initiatives/{initiative.pk}/"


def test_an_initiative_is_edited_where_it_is_listed(client, owner_user, work, teammate, owner):
    client.force_login(owner_user)
    page = client.get(f"/w/acme/objectives/{work.key_result.objective_id}/").content.decode()
    assert f'hx-get="{edit_url(work)}"' in page and "1 of 2 steps" in page
    fragment = client.get(edit_url(work), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and 'value="Export the list"' in fragment
    p = f"i{work.pk}-"
    answer = client.post(
        edit_url(work),
        {
            f"{p}title": "Call every lapsed customer",
            f"{p}status": "in_progress",
            f"{p}owner": owner.pk,
            f"{p}due_on": "2026-12-24",
            f"{p}step-0-text": "Export the list",
            f"{p}step-0-done": "on",  # ticked
            f"{p}step-1-text": "",  # cleared: removed
            f"{p}new_step": "Book the calls",
        },
    )
    assert answer.status_code == 302
    assert answer["Location"].endswith(f"#kr-{work.key_result_id}")
    work.refresh_from_db()
    assert (work.status, work.owner, work.due_on) == ("in_progress", owner, dt.date(2026, 12, 24))
    assert work.checklist == [
        {"text": "Export the list", "done": True},
        {"text": "Book the calls", "done": False},
    ]
    entry = AuditEntry.objects.filter(action="initiative.update").latest("id")
    assert entry.before["owner_id"] == teammate.pk and entry.after["owner_id"] == owner.pk
    # Without JavaScript the same form is a page of its own.
    assert "<html" in client.get(edit_url(work)).content.decode()


def test_a_bad_edit_answers_422_with_the_error_and_changes_nothing(client, owner_user, work):
    client.force_login(owner_user)
    p = f"i{work.pk}-"
    answer = client.post(edit_url(work), {f"{p}title": " ", f"{p}status": "done"})
    assert answer.status_code == 422
    work.refresh_from_db()
    assert work.status == "planned" and work.done_on is None


def test_its_owner_marks_it_done_and_others_may_not_touch_it(client, work, teammate, workspace):
    stranger = ws_services.member_ensure(
        workspace=workspace, email="sam@acme.test", full_name="Sam", role="member", actor=None
    )
    client.force_login(stranger.user)
    assert client.post(f"/w/acme/initiatives/{work.pk}/done/").status_code == 403
    assert client.get(edit_url(work)).status_code == 403
    client.force_login(teammate.user)  # owns the initiative, not the objective
    assert client.post(f"/w/acme/initiatives/{work.pk}/done/").status_code == 302
    work.refresh_from_db()
    assert work.status == "done" and work.done_on == work.workspace.today()
    assert client.post(f"/w/acme/initiatives/{work.pk}/delete/").status_code == 302
    assert not Initiative.objects.filter(pk=work.pk).exists()
    assert AuditEntry.objects.filter(action="initiative.delete").exists()


def test_a_checklist_is_bounded(work):
    from django.core.exceptions import ValidationError

    too_many = [{"text": f"Step {n}", "done": False} for n in range(31)]
    with pytest.raises(ValidationError, match="At most 30 steps"):
        okr.initiative_update(initiative=work, checklist=too_many, actor=None)
    with pytest.raises(ValidationError, match="text and whether"):
        okr.initiative_update(initiative=work, checklist=["just a string"], actor=None)


def test_home_lists_my_open_initiatives_overdue_first(client, work, teammate, key_result):
    today = work.workspace.today()
    okr.initiative_update(initiative=work, due_on=today - dt.timedelta(days=2), actor=None)
    later = okr.initiative_create(
        key_result=key_result,
        title="Write the win-back offer",
        owner=teammate,
        due_on=today + dt.timedelta(days=5),
        actor=None,
    )
    okr.initiative_create(
        key_result=key_result, title="Finished already", owner=teammate, status="done", actor=None
    )
    client.force_login(teammate.user)
    page = client.get("/w/acme/").content.decode()
    section = page[page.index('id="my-initiatives"') :]
    assert "1 overdue" in section
    assert section.index(work.title) < section.index(later.title)
    assert "Finished already" not in section
    assert "is-overdue" in section


def test_an_overdue_initiative_reaches_its_owner_once_per_due_date(work, teammate, mailoutbox):
    ws = work.workspace
    today = ws.today()
    okr.initiative_update(initiative=work, due_on=today - dt.timedelta(days=1), actor=None)
    assert notifications.initiatives_overdue(ws, today) == 1
    assert notifications.initiatives_overdue(ws, today) == 0  # told already
    note = Notification.objects.get(recipient=teammate, kind="initiative_due")
    assert "was due on" in note.text and note.url.endswith(f"#initiative-{work.pk}")
    okr.initiative_update(initiative=work, due_on=today - dt.timedelta(days=1), actor=None)
    okr.initiative_update(initiative=work, due_on=today, actor=None)  # a new date: not late
    assert notifications.initiatives_overdue(ws, today) == 0
    assert notifications.initiatives_overdue(ws, today + dt.timedelta(days=1)) == 1
    okr.initiative_update(initiative=work, status="done", actor=None)
    assert notifications.initiatives_overdue(ws, today + dt.timedelta(days=2)) == 0


def test_a_key_result_shows_which_finished_work_came_before_its_value_moved(
    client, owner_user, key_result
):
    from unittest import mock

    from django.utils import timezone

    def at(day):
        moment = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
        return mock.patch.object(timezone, "now", lambda: moment)

    start = key_result.objective.cycle.start
    okr.checkin_create(
        key_result=key_result, date=start + dt.timedelta(days=1), value=40, actor=None
    )
    first = okr.initiative_create(key_result=key_result, title="New onboarding call", actor=None)
    second = okr.initiative_create(key_result=key_result, title="Price page rewrite", actor=None)
    with at(start + dt.timedelta(days=3)):
        okr.initiative_update(initiative=first, status="done", actor=None)
    okr.checkin_create(
        key_result=key_result, date=start + dt.timedelta(days=5), value=40, actor=None
    )
    okr.checkin_create(
        key_result=key_result, date=start + dt.timedelta(days=10), value=55, actor=None
    )
    with at(start + dt.timedelta(days=12)):
        okr.initiative_update(initiative=second, status="done", actor=None)
    client.force_login(owner_user)
    page = client.get(f"/w/acme/objectives/{key_result.objective_id}/").content.decode()
    evidence = page[page.index('class="evidence"') :]
    assert "New onboarding call" in evidence and "moved from 40 to 55" in evidence
    assert "7 days later" in evidence  # day 3 to day 10
    assert "Price page rewrite" in evidence and "no move since" in evidence


def call(client, method, path, token, body=None):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


def test_the_api_writes_the_checklist_and_due_date(client, owner, key_result):
    token = ws_services.token_create(member=owner, name="t", scope="write", actor=None)[1]
    body = {
        "key_result_id": key_result.pk,
        "title": "Win-back campaign",
        "due_on": "2026-12-20",
        "checklist": [{"text": "Segment"}, {"text": "Send", "done": False}],
    }
    made = call(client, "post", "/initiatives", token, body)
    assert made.status_code == 201
    row = made.json()
    assert row["checklist"] == [{"text": "Segment", "done": False}, {"text": "Send", "done": False}]
    ticked = call(
        client,
        "patch",
        f"/initiatives/{row['id']}",
        token,
        {"checklist": [{"text": "Segment", "done": True}]},
    )
    assert ticked.json()["checklist"] == [{"text": "Segment", "done": True}]
    many = {"checklist": [{"text": f"s{n}"} for n in range(31)]}
    assert call(client, "patch", f"/initiatives/{row['id']}", token, many).status_code == 422
    long = {"checklist": [{"text": "x" * 201}]}
    assert call(client, "patch", f"/initiatives/{row['id']}", token, long).status_code == 422


def test_a_new_initiative_on_the_page_belongs_to_the_key_results_owner_until_changed(
    client, owner_user, key_result
):
    client.force_login(owner_user)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = client.post(
            f"/w/acme/krs/{key_result.pk}/initiatives/new/",
            {"title": "Referral scheme", "status": "planned", "due_on": "2026-12-31"},
        )
    assert answer.status_code == 302
    made = Initiative.objects.get(title="Referral scheme")
    assert (made.owner, made.due_on) == (key_result.owner, dt.date(2026, 12, 31))
