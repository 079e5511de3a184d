"""An agency's client: a member who sees the reports sent to them and the dashboards, and
nothing else of the workspace (pages, the API, pickers); sent to the reports, not refused."""

import datetime as dt

import pytest

from waypoint.reports import dashboards
from waypoint.reports import services as reports
from waypoint.reports.models import Report
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Role


@pytest.fixture
def client_member(workspace, django_user_model):
    member = ws_services.member_ensure(
        workspace=workspace, email="cfo@client.test", role=Role.CLIENT, actor=None
    )
    member.user.set_password("x" * 12)
    member.user.save()
    return member


@pytest.fixture
def sent_and_draft(workspace, owner):
    sent = reports.report_create(
        workspace=workspace,
        title="October for the client",
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 10, 31),
        by=owner,
        actor=None,
    )
    Report.objects.filter(pk=sent.pk).update(sent_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    draft = reports.report_create(
        workspace=workspace,
        title="November draft",
        period_start=dt.date(2026, 11, 1),
        period_end=dt.date(2026, 11, 30),
        by=owner,
        actor=None,
    )
    return sent, draft


def test_a_client_sees_sent_reports_and_dashboards_only(
    client, client_member, sent_and_draft, workspace, secret
):
    sent, draft = sent_and_draft
    board = dashboards.dashboard_save(
        workspace=workspace, actor=None, name="Client board", blocks=[{"type": "okrs"}]
    )
    client.force_login(client_member.user)
    home = client.get("/w/acme/")
    assert home.status_code == 302 and home["Location"] == "/w/acme/reports/"
    page = client.get("/w/acme/reports/").content.decode()
    assert "October for the client" in page and "November draft" not in page
    assert "Client board" in page and 'id="client-reports"' in page
    # The menu offers reports and dashboards only.
    nav = page[page.index('<nav aria-label="Main">') : page.index("</nav>")]
    assert "/w/acme/reports/" in nav and "/w/acme/dashboards/" in nav
    assert "/w/acme/kpis/" not in nav and "/w/acme/checkin/" not in nav
    assert client.get(f"/w/acme/reports/{sent.pk}/").status_code == 200
    assert client.get(f"/w/acme/reports/{sent.pk}/pdf/").status_code == 200
    assert client.get(f"/w/acme/reports/{draft.pk}/").status_code == 404
    board_page = client.get(f"/w/acme/dashboards/{board.pk}/").content.decode()
    assert secret["objective"].title not in board_page  # read as a share link reads it
    assert 'id="add-block"' not in board_page
    # Every other page sends them to the reports; every write is refused.
    for url in ("/w/acme/kpis/", "/w/acme/checkin/", "/w/acme/people/", "/w/acme/search/"):
        assert client.get(url)["Location"] == "/w/acme/reports/", url
    assert client.post("/w/acme/reports/", {"title": "x"}).status_code == 403
    assert (
        client.post(
            f"/w/acme/dashboards/{board.pk}/", {"action": "add", "type": "okrs"}
        ).status_code
        == 403
    )


def test_a_clients_token_opens_nothing_and_pickers_leave_them_out(
    client, client_member, workspace, owner_user
):
    from waypoint.okrs.forms import ObjectiveForm  # noqa: F401  (a form with an owner picker)
    from waypoint.workspaces.forms import MemberChoiceField
    from waypoint.workspaces.models import Member

    token = ws_services.token_create(member=client_member, name="t", scope="read", actor=None)[1]
    answer = client.get("/api/v1/objectives", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    field = MemberChoiceField(queryset=Member.objects.filter(workspace=workspace))
    assert client_member not in list(field.queryset)
