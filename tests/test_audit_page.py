"""The audit trail for admins: who changed what and when, each field before and after, with
the members' security events (a failed sign-in), filtered by person, kind of record and
date, paged, and exported to CSV neutralised against formulas; nobody else reads it."""

import csv
import datetime as dt
import io

from waypoint.okrs import services as okr
from waypoint.workspaces.models import AuditEntry


def test_an_objective_edit_shows_before_and_after(client, owner_user, objective, teammate):
    old = objective.title
    okr.objective_update(objective=objective, title="Delight our customers", actor=owner_user)
    client.force_login(owner_user)
    page = client.get("/w/acme/settings/audit/").content.decode()
    row = page[page.index("objective.update") :]
    row = row[: row.index("</tr>")]
    assert f"<del>{old}</del> → <ins>Delight our customers</ins>" in row
    # Filtered by the kind of record, by person and by date.
    only = client.get("/w/acme/settings/audit/", {"object_type": "okrs.objective"}).content.decode()
    assert "objective.update" in only and "workspace.create" not in only
    nobody = client.get("/w/acme/settings/audit/", {"actor": teammate.user.pk}).content.decode()
    assert "objective.update" not in nobody
    later = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert (
        "objective.update"
        not in client.get("/w/acme/settings/audit/", {"since": later}).content.decode()
    )
    # Others than admins read nothing of it.
    client.force_login(teammate.user)
    assert client.get("/w/acme/settings/audit/").status_code == 403
    assert client.get("/w/acme/settings/audit.csv").status_code == 403


def test_older_entries_come_fifty_at_a_time(client, owner_user, workspace, objective):
    for i in range(60):
        okr.objective_update(objective=objective, title=f"Title {i}", actor=owner_user)
    client.force_login(owner_user)
    page = client.get("/w/acme/settings/audit/").content.decode()
    assert page.count("data-audit=") == 50 and "data-audit-older" in page
    older = page[page.index("data-audit-older") - 200 : page.index("data-audit-older")]
    before = older[older.index("before=") + 7 :].split('"')[0]
    rest = client.get(f"/w/acme/settings/audit/?before={before}").content.decode()
    assert rest.count("data-audit=") > 0 and "Title 0" in rest


def test_the_csv_is_safe_against_formulas(client, owner_user, objective):
    okr.objective_update(
        objective=objective, title='=HYPERLINK("http://evil.test")', actor=owner_user
    )
    client.force_login(owner_user)
    response = client.get("/w/acme/settings/audit.csv", {"object_type": "okrs.objective"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["when", "who", "action"]
    titles = [r for r in rows[1:] if r[6] == "title" and r[2] == "objective.update"]
    assert titles and titles[0][8] == '\'=HYPERLINK("http://evil.test")'
    assert titles[0][1] == owner_user.email
    assert AuditEntry.objects.filter(action="objective.update").count() == 1


def test_a_failed_sign_in_shows_beside_the_edits_and_in_the_csv(owner_user, objective):
    from django.test import Client

    from tests.conftest import verified

    verified(owner_user)
    okr.objective_update(objective=objective, title="Delight our customers", actor=owner_user)
    stranger = Client(REMOTE_ADDR="203.0.113.50", HTTP_USER_AGENT="=cmd|' /C calc'!A0")
    stranger.post("/accounts/login/", {"login": owner_user.email, "password": "guess-1234"})
    admin = Client()
    admin.force_login(owner_user)
    page = admin.get("/w/acme/settings/audit/").content.decode()
    assert "security.sign_in_failed" in page and "203.0.113.50" in page
    assert "<ins>Delight our customers</ins>" in page
    rows = list(csv.reader(io.StringIO(admin.get("/w/acme/settings/audit.csv").content.decode())))
    failed = [r for r in rows if r[2] == "security.sign_in_failed"]
    agent = next(r for r in failed if r[6] == "agent")
    assert agent[8].startswith("'=")  # the browser's name cannot run as a formula
