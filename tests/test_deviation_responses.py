"""Seed 002's deviation loop acts: each response does what it says, in one transaction and
audited, and gets a verdict from the periods that follow it (with a frozen clock)."""

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from waypoint.integrations.models import Notification
from waypoint.kpis import selectors
from waypoint.kpis import services as kpis
from waypoint.kpis.models import Deviation, DeviationResponse, KpiPlan
from waypoint.okrs import services as okr
from waypoint.okrs.models import Initiative
from waypoint.reports import services as reports
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry, Role

# Mondays: the KPI is weekly, so each of these starts a period.
W0 = dt.date(2026, 3, 2)
W1, W2, W3, W4 = (W0 + dt.timedelta(weeks=n) for n in (1, 2, 3, 4))


class Clock:
    """Today, as the workspace sees it, set by the test."""

    def __init__(self):
        self.day = W0

    def now(self):
        return dt.datetime.combine(self.day, dt.time(12), tzinfo=dt.UTC)


@pytest.fixture
def clock():
    c = Clock()
    with mock.patch.object(timezone, "now", c.now):
        yield c


@pytest.fixture
def response_time(workspace, owner, clock):
    """Lower is better: a week's average from 4 h is a warning, from 8 h critical."""
    process = kpis.process_ensure(workspace=workspace, name="Support", actor=None)
    team = ws_services.team_create(workspace=workspace, name="Helpdesk", actor=None)
    return kpis.kpi_create(
        workspace=workspace,
        actor=None,
        name="Average response time",
        unit="h",
        direction="lower_is_better",
        frequency="weekly",
        aggregation="average",
        target=2,
        warning=4,
        critical=8,
        owner=owner,
        process=process,
        team=team,
    )


def record(kpi, *rows):
    """Points recorded, and what their commit sets off (alerts) run as the worker would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return kpis.data_points_record(kpi=kpi, rows=list(rows), actor=None)


def respond(deviation, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return kpis.deviation_respond(deviation=deviation, actor=None, **kwargs)


def breached(kpi, clock, value=9):
    clock.day = W0 + dt.timedelta(days=2)
    record(kpi, (W0, value))
    return Deviation.objects.get(kpi=kpi, closed_on__isnull=True)


# --- Change the executor ---------------------------------------------------------------------


def test_a_new_executor_takes_the_kpi_its_open_initiatives_and_the_deviation_and_is_told(
    response_time, owner, teammate, clock
):
    deviation = breached(response_time, clock)
    open_work = okr.initiative_create(kpi=response_time, title="Triage", owner=owner, actor=None)
    done_work = okr.initiative_create(
        kpi=response_time, title="Old rota", owner=owner, status="done", actor=None
    )
    with pytest.raises(ValidationError, match="Choose who answers"):
        respond(deviation, response="change_executor")
    with pytest.raises(ValidationError, match="already answers"):
        respond(deviation, response="change_executor", executor=owner)
    respond(deviation, response="change_executor", executor=teammate, note="Tess knows the queue")
    response_time.refresh_from_db()
    deviation.refresh_from_db()
    open_work.refresh_from_db()
    done_work.refresh_from_db()
    assert response_time.owner == teammate and deviation.owner == teammate
    assert open_work.owner == teammate and done_work.owner == owner  # finished work stays
    given = deviation.responses.get()
    assert (given.executor_before, given.executor, given.verdict) == (owner, teammate, "")
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"kpi.update", "initiative.update", "deviation.respond", "deviation.response"} <= actions
    told = Notification.objects.get(recipient=teammate)
    assert told.kind == "deviation" and "Tess Teammate answers for it" in told.text


def test_a_response_fails_whole_or_writes_nothing(response_time, teammate, clock):
    deviation = breached(response_time, clock)
    before = AuditEntry.objects.count()
    with mock.patch.object(okr, "initiative_update", side_effect=RuntimeError("disk full")):
        okr.initiative_create(kpi=response_time, title="Triage", actor=None)
        before = AuditEntry.objects.count()
        with pytest.raises(RuntimeError):
            respond(deviation, response="change_executor", executor=teammate)
    response_time.refresh_from_db()
    assert response_time.owner != teammate
    assert not DeviationResponse.objects.exists() and AuditEntry.objects.count() == before


# --- Correct the plan ------------------------------------------------------------------------


def test_a_corrected_plan_applies_from_its_period_and_the_old_one_keeps_the_periods_before(
    response_time, owner, clock
):
    deviation = breached(response_time, clock)  # W0: 9 h, critical
    clock.day = W1 + dt.timedelta(days=3)
    record(response_time, (W1, 9), (W1 + dt.timedelta(days=2), 9))
    with pytest.raises(ValidationError, match="Say why"):
        respond(deviation, response="correct_plan", plan={"warning": 10, "critical": 12})
    with pytest.raises(ValidationError, match="same as the old"):
        respond(deviation, response="correct_plan", plan={"warning": 4}, note="Why not")
    respond(
        deviation,
        response="correct_plan",
        plan={"target": 6, "warning": 10, "critical": 12},
        plan_from=W1 + dt.timedelta(days=3),  # a Thursday: the plan changes from Monday W1
        note="Two people left support: 9 h is what the team can do",
        by=owner,
    )
    kept = KpiPlan.objects.get(kpi=response_time)
    assert kept.until == W1 - dt.timedelta(days=1)
    assert (kept.target, kept.warning, kept.critical) == (2, 4, 8)
    response_time.refresh_from_db()
    assert (response_time.target, response_time.warning, response_time.critical) == (6, 10, 12)
    periods = kpis.kpi_periods(response_time, clock.day)
    assert [(p.start, p.status) for p in periods] == [(W0, "critical"), (W1, "healthy")]
    # The new plan judges the latest period healthy: the deviation closes.
    deviation.refresh_from_db()
    assert not deviation.is_open
    given = DeviationResponse.objects.get()
    assert (given.plan_before, given.plan_from) == (kept, W1)
    assert AuditEntry.objects.filter(action="kpi.plan_corrected").count() == 1
    # The chart draws each plan where it applied.
    spec = selectors.chart_spec(response_time, periods, [])
    zones = spec["layer"][0]["data"]["values"]
    assert {(z["from"], z["to"]) for z in zones} == {
        (W0.isoformat(), (W1 - dt.timedelta(days=1)).isoformat()),
        (W1.isoformat(), W1.isoformat()),
    }
    targets = spec["layer"][1]["data"]["values"]
    assert [(t["from"], t["target"]) for t in targets] == [(W0.isoformat(), 2), (W1.isoformat(), 6)]


def test_a_correction_cannot_start_before_the_last_one(response_time, clock):
    deviation = breached(response_time, clock)
    clock.day = W2 + dt.timedelta(days=1)
    record(response_time, (W1, 9), (W2, 9))
    respond(
        deviation,
        response="correct_plan",
        plan={"warning": 8.5, "critical": 12},
        plan_from=W2,
        note="Fewer people",
    )
    with pytest.raises(ValidationError, match="already corrected"):
        respond(
            deviation, response="correct_plan", plan={"critical": 20}, plan_from=W1, note="Wait"
        )


# --- Improve the process ---------------------------------------------------------------------


def test_an_improvement_opens_an_initiative_with_an_owner_and_a_due_date_and_tells_its_owner(
    response_time, teammate, clock
):
    deviation = breached(response_time, clock)
    with pytest.raises(ValidationError, match="due date"):
        respond(
            deviation,
            response="improve_process",
            improvement=kpis.Improvement("Rota", teammate, None),
        )
    with pytest.raises(ValidationError, match="in the past"):
        respond(
            deviation,
            response="improve_process",
            improvement=kpis.Improvement("Rota", teammate, W0 - dt.timedelta(days=1)),
        )
    due = W0 + dt.timedelta(days=14)
    respond(
        deviation,
        response="improve_process",
        note="Nights are uncovered",
        improvement=kpis.Improvement("A night rota", teammate, due),
    )
    initiative = Initiative.objects.get()
    assert (initiative.kpi, initiative.deviation, initiative.owner, initiative.due_on) == (
        response_time,
        deviation,
        teammate,
        due,
    )
    assert initiative.key_result is None and initiative.status == "planned"
    assert DeviationResponse.objects.get().initiative == initiative
    assert "A night rota" in Notification.objects.get(recipient=teammate).text
    # Done, it keeps the day; reopened, it loses it.
    okr.initiative_update(initiative=initiative, status="done", actor=None)
    assert initiative.done_on == clock.day
    okr.initiative_update(initiative=initiative, status="in_progress", actor=None)
    assert initiative.done_on is None


def test_a_closed_deviation_takes_no_response_and_a_new_one_replaces_the_pending(
    response_time, teammate, clock
):
    deviation = breached(response_time, clock)
    due = W0 + dt.timedelta(days=7)
    respond(
        deviation,
        response="improve_process",
        note="Rota",
        improvement=kpis.Improvement("", None, due),
    )
    respond(deviation, response="change_executor", executor=teammate)
    first, second = DeviationResponse.objects.order_by("id")
    assert (first.verdict, second.verdict) == ("replaced", "")
    clock.day = W1 + dt.timedelta(days=1)
    record(response_time, (W1, 1))  # healthy: the deviation closes
    deviation.refresh_from_db()
    with pytest.raises(ValidationError, match="closed"):
        respond(deviation, response="change_executor", executor=teammate)


# --- Verdicts --------------------------------------------------------------------------------


def test_a_response_worked_when_a_following_period_is_back_in_the_band(
    response_time, teammate, clock
):
    deviation = breached(response_time, clock)
    respond(deviation, response="change_executor", executor=teammate)
    clock.day = W1 + dt.timedelta(days=2)
    record(response_time, (W1, 3))  # W1 healthy, but not over yet: no verdict
    assert DeviationResponse.objects.get().verdict == ""
    clock.day = W2
    record(response_time, (W2, 3))
    given = DeviationResponse.objects.get()
    assert (given.verdict, given.judged_on) == ("worked", W2)
    assert AuditEntry.objects.filter(action="deviation.judged").count() == 1


def test_a_response_that_did_not_work_asks_for_another_and_tells_the_owner(
    response_time, owner, teammate, clock
):
    deviation = breached(response_time, clock)
    respond(deviation, response="change_executor", executor=teammate)
    clock.day = W1 + dt.timedelta(days=1)
    record(response_time, (W1, 9))
    clock.day = W2 + dt.timedelta(days=1)
    record(response_time, (W2, 9))
    assert DeviationResponse.objects.get().verdict == ""  # one complete period so far
    # W3 starts: W2 is over, with no data since. The daily judgement gives the verdict.
    clock.day = W3
    local_six = dt.datetime.combine(W3, dt.time(6), tzinfo=response_time.workspace.zone)
    with TestCase.captureOnCommitCallbacks(execute=True):
        kpis.kpis_judge_daily(local_six)
    given = DeviationResponse.objects.get()
    assert (given.verdict, given.judged_on) == ("failed", W3)
    deviation.refresh_from_db()
    assert deviation.is_open and deviation.response == ""  # waits for a response again
    reminder = Notification.objects.filter(recipient=teammate).latest("id")
    assert "did not bring" in reminder.text and "Choose a response again" in reminder.text
    # A new choice is possible, and the history keeps both.
    respond(
        deviation,
        response="improve_process",
        note="Staff the nights",
        improvement=kpis.Improvement("", owner, W4),
    )
    assert list(deviation.responses.values_list("kind", "verdict")) == [
        ("change_executor", "failed"),
        ("improve_process", ""),
    ]


# --- Which responses worked ------------------------------------------------------------------


def test_responses_are_counted_by_process_and_team_in_one_query(
    response_time, workspace, teammate, clock
):
    deviation = breached(response_time, clock)
    respond(deviation, response="change_executor", executor=teammate)
    clock.day = W2
    record(response_time, (W1, 3))
    with CaptureQueriesContext(connection) as queries:
        (row,) = selectors.response_outcomes(workspace, W0, W2, "process")
    assert len(queries) == 1
    assert row.name == "Support"
    cells = {c["kind"]: c for c in row.cells}
    assert (cells["change_executor"]["worked"], cells["change_executor"]["rate"]) == (1, 100)
    assert cells["correct_plan"] == {
        "kind": "correct_plan",
        "label": "Correct the plan",
        "worked": 0,
        "failed": 0,
        "pending": 0,
        "rate": None,
    }
    (team_row,) = selectors.response_outcomes(workspace, W0, W2, "team")
    assert team_row.name == "Helpdesk"
    assert selectors.response_outcomes(workspace, W1, W2, "team") == []  # chosen before W1


def test_the_kpi_page_and_the_responses_page_show_the_history(
    client, owner_user, response_time, teammate, workspace, clock
):
    deviation = breached(response_time, clock)
    respond(deviation, response="change_executor", executor=teammate, note="Tess knows it")
    clock.day = W2
    record(response_time, (W1, 3))
    client.force_login(owner_user)
    page = client.get(f"/w/acme/kpis/{response_time.pk}/").content.decode()
    assert "Change the executor" in page and "Worked" in page and "Tess knows it" in page
    assert "Olivia Owner → Tess Teammate" in page
    outcomes = client.get("/w/acme/kpis/responses/?start=2026-01-01&end=2026-12-31")
    assert outcomes.status_code == 200
    text = outcomes.content.decode()
    assert "Support" in text and "Helpdesk" in text and "1 worked, 0 did not" in text
    report = reports.report_create(
        workspace=workspace,
        title="March",
        period_start=W0,
        period_end=W2,
        by=None,
        actor=None,
    )
    body = client.get(f"/w/acme/reports/{report.pk}/").content.decode()
    assert "Change the executor" in body and "Worked" in body and "Tess knows it" in body
    bad = client.get("/w/acme/kpis/responses/?start=2026-12-31&end=2026-01-01")
    assert bad.status_code == 200 and "The start comes after the end" in bad.content.decode()


def test_a_response_from_the_kpi_page_shows_its_errors_and_keeps_the_choice(
    client, owner_user, response_time, clock
):
    deviation = breached(response_time, clock)
    client.force_login(owner_user)
    answer = client.post(
        f"/w/acme/deviations/{deviation.pk}/respond/",
        {f"d{deviation.pk}-response": "correct_plan", f"d{deviation.pk}-warning": "10"},
    )
    assert answer.status_code == 422
    assert "Say why the plan changes" in answer.content.decode()
    assert not KpiPlan.objects.exists()
    answer = client.post(
        f"/w/acme/deviations/{deviation.pk}/respond/",
        {
            f"d{deviation.pk}-response": "correct_plan",
            f"d{deviation.pk}-warning": "10",
            f"d{deviation.pk}-critical": "12",
            f"d{deviation.pk}-target": "2",
            f"d{deviation.pk}-note": "Fewer people",
        },
    )
    assert answer.status_code == 302
    assert KpiPlan.objects.get().until == W0 - dt.timedelta(days=1)


def test_an_admin_sees_the_notes_on_key_results_as_well_as_on_kpis(
    workspace, owner, key_result, response_time, clock
):
    """The one visibility rule, for records that hang on a key result or a KPI: an admin
    sees every one (an empty rule combined with another used to keep only the KPI's)."""
    kpis.annotation_create(
        workspace=workspace, date=W0, text="On the KPI", kpi=response_time, actor=None
    )
    kpis.annotation_create(
        workspace=workspace, date=W0, text="On the key result", key_result=key_result, actor=None
    )
    assert owner.role in (Role.OWNER, Role.ADMIN)
    seen = set(selectors.visible_annotations(workspace, owner).values_list("text", flat=True))
    assert seen == {"On the KPI", "On the key result"}
    assert set(selectors.visible_annotations(workspace, None).values_list("text", flat=True)) == {
        "On the KPI",
        "On the key result",
    }


def test_a_period_that_starts_on_the_day_of_the_response_is_one_of_those_it_is_judged_on(
    response_time, teammate, clock
):
    deviation = breached(response_time, clock)
    clock.day = W1  # a Monday: the response is in place for all of W1
    respond(deviation, response="change_executor", executor=teammate)
    clock.day = W2 + dt.timedelta(days=6)
    record(response_time, (W1, 9), (W2, 9))
    clock.day = W3
    record(response_time, (W3, 9))
    assert DeviationResponse.objects.get().verdict == "failed"
