"""Maturity over time (seed 000: only the change matters): the diagnostic stored monthly
and on demand with the facts it read, and a timeline of what changed between diagnoses."""

import datetime as dt

from waypoint.coach import maturity, services
from waypoint.coach.models import MaturityDiagnosis
from waypoint.okrs import services as okr
from waypoint.workspaces.models import AuditEntry


def test_a_diagnosis_is_stored_once_a_day_with_its_facts(workspace, owner, objective):
    day = dt.date(2026, 3, 1)
    first = services.maturity_store(workspace=workspace, day=day, by=owner, actor=None)
    assert first.facts["company_objectives"] >= 0 and first.stage in maturity.STAGES
    again = services.maturity_store(workspace=workspace, day=day, actor=None)
    assert again.pk == first.pk and MaturityDiagnosis.objects.count() == 1
    assert AuditEntry.objects.filter(action="maturity.store").count() == 2
    assert not services.monthly_due(workspace, dt.date(2026, 3, 20))
    assert services.monthly_due(workspace, dt.date(2026, 4, 1))


def test_the_timeline_shows_what_changed_between_two_diagnoses(
    client, owner_user, workspace, now_cycle, owner
):
    services.maturity_store(workspace=workspace, day=dt.date(2026, 1, 1), actor=None)
    for title in ("Win the mid-market", "Customers stay", "Ship faster"):
        okr.objective_create(
            workspace=workspace, cycle=now_cycle, title=title, level="company", actor=None
        )
    client.force_login(owner_user)
    assert client.post("/w/acme/coach/maturity/").status_code == 302  # an admin stores today's
    (later, earlier) = MaturityDiagnosis.objects.all()
    found = maturity.changes(maturity.from_stored(earlier.facts), maturity.from_stored(later.facts))
    strategic = next(c for c in found if c.name == "Strategic objectives")
    assert (strategic.before, strategic.after, strategic.direction) == ("0", "3", 1)
    page = client.get("/w/acme/coach/maturity/").content.decode()
    timeline = page[page.index('id="timeline"') :]
    assert "Strategic objectives</strong>: 0 → 3" in timeline
    assert "The first stored diagnosis." in timeline


def test_members_read_the_timeline_but_only_admins_store(client, workspace, teammate):
    client.force_login(teammate.user)
    assert client.get("/w/acme/coach/maturity/").status_code == 200
    assert client.post("/w/acme/coach/maturity/").status_code == 403


def test_the_monthly_job_stores_one_diagnosis_a_month(workspace):
    five = dt.datetime(2026, 5, 1, 5, 0, tzinfo=workspace.zone)
    assert services.maturity_monthly_run(five - dt.timedelta(hours=1)) == 0  # not 5 yet
    assert services.maturity_monthly_run(five) == 1
    assert services.maturity_monthly_run(five + dt.timedelta(days=1)) == 0  # May has one
    assert services.maturity_monthly_run(five + dt.timedelta(days=31)) == 1  # June 1st
    assert list(MaturityDiagnosis.objects.values_list("taken_on", flat=True)) == [
        dt.date(2026, 6, 1),
        dt.date(2026, 5, 1),
    ]


def test_the_portfolio_shows_each_workspace_of_the_coach_and_its_direction(
    client, owner_user, workspace, other_workspace
):
    from waypoint.workspaces import services as ws_services

    ws_services.member_ensure(
        workspace=other_workspace, email=owner_user.email, role="member", actor=None
    )
    MaturityDiagnosis.objects.create(
        workspace=workspace, taken_on=dt.date(2026, 1, 1), stage=1, facts={}
    )
    MaturityDiagnosis.objects.create(
        workspace=workspace, taken_on=dt.date(2026, 2, 1), stage=2, facts={}
    )
    MaturityDiagnosis.objects.create(
        workspace=workspace, taken_on=dt.date(2026, 3, 1), stage=3, facts={}
    )
    client.force_login(owner_user)
    page = client.get("/portfolio/").content.decode()
    acme = page[page.index('data-portfolio="acme"') :]
    assert "↑ from stage 2" in acme[: acme.index("</tr>")]
    other = page[page.index(f'data-portfolio="{other_workspace.slug}"') :]
    assert "No diagnosis stored yet" in other[: other.index("</tr>")]
    assert client.get("/portfolio/").status_code == 200
    client.logout()
    assert client.get("/portfolio/").status_code == 302  # to the login


def test_the_next_steps_are_a_checklist_ticked_by_admins_and_met_by_the_data(
    client, owner_user, workspace, now_cycle, teammate
):
    from waypoint.coach.models import MaturityStep

    services.maturity_store(workspace=workspace, day=dt.date(2026, 1, 1), actor=None)
    first = "Write the first company objectives with two to five key results each."
    step = MaturityStep.objects.get(workspace=workspace, text=first)
    assert step.met_on is None and step.done_on is None
    client.force_login(teammate.user)
    assert client.post("/w/acme/coach/maturity/", {"step": step.pk, "done": "1"}).status_code == 403
    client.force_login(owner_user)
    assert client.post("/w/acme/coach/maturity/", {"step": "x'1"}).status_code == 404
    client.post("/w/acme/coach/maturity/", {"step": step.pk, "done": "1"})
    step.refresh_from_db()
    assert step.done_on == workspace.today()
    # The data meets it: company objectives with key results, then a diagnosis.
    for title in ("Win the mid-market", "Customers stay"):
        o = okr.objective_create(
            workspace=workspace, cycle=now_cycle, title=title, level="company", actor=None
        )
        okr.key_result_create(
            objective=o, title="NPS from 30 to 50", start=30, target=50, actor=None
        )
    services.maturity_store(workspace=workspace, day=dt.date(2026, 2, 1), actor=None)
    step.refresh_from_db()
    assert step.met_on == dt.date(2026, 2, 1)
    page = client.get("/w/acme/coach/maturity/").content.decode()
    assert f'data-step="{step.pk}"' in page[page.index('id="steps"') :]
    # Kept in English, the step is shown in the reader's language.
    from django.utils import translation

    with translation.override("ru"):
        assert translation.gettext(step.text) not in ("", step.text)
