"""The pulse after a check-in (seed 000: is tracking useful or a routine?): two optional
questions, one answer a person a week, feeding the maturity diagnostic."""

import datetime as dt

from waypoint.coach import maturity
from waypoint.coach import selectors as coach
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckInPulse


def test_the_pulse_is_asked_after_saving_and_answered_once_a_week(
    client, workspace, now_cycle, owner, teammate
):
    objective = okr.objective_create(
        workspace=workspace, cycle=now_cycle, title="Customers stay", owner=teammate, actor=None
    )
    kr = okr.key_result_create(
        objective=objective,
        title="NPS from 40 to 60",
        start=40,
        target=60,
        owner=teammate,
        actor=None,
    )
    client.force_login(teammate.user)
    assert "data-pulse" not in client.get("/w/acme/checkin/").content.decode()
    saved = client.post(
        "/w/acme/checkin/", {f"kr{kr.pk}-value": "45", f"kr{kr.pk}-confidence": "on_track"}
    )
    assert "data-pulse" in saved.content.decode()
    client.post("/w/acme/checkin/pulse/", {})  # skipped: nothing written
    assert not CheckInPulse.objects.exists()
    client.post("/w/acme/checkin/pulse/", {"useful": "yes", "changed_plan": "no"})
    client.post("/w/acme/checkin/pulse/", {"useful": "no"})  # the same week: replaced
    (pulse,) = CheckInPulse.objects.all()
    assert (pulse.member, pulse.useful, pulse.changed_plan) == (teammate, False, None)
    assert pulse.week.weekday() == 0
    again = client.post(
        "/w/acme/checkin/", {f"kr{kr.pk}-value": "47", f"kr{kr.pk}-confidence": "on_track"}
    )
    assert "data-pulse" not in again.content.decode()  # answered this week


def test_pulse_answers_feed_the_routine_or_useful_signal(workspace, owner, django_user_model):
    from waypoint.workspaces import services as ws_services

    today = workspace.today()
    people = [
        ws_services.member_ensure(
            workspace=workspace,
            email=f"p{i}@acme.test",
            full_name=f"P{i}",
            role="member",
            actor=None,
        )
        for i in range(6)
    ]
    for i, person in enumerate(people):
        okr.pulse_answer(member=person, useful=i == 0, changed_plan=None, day=today)
    facts = coach.maturity_facts(workspace, today)
    assert (facts.pulse_answers, facts.pulse_useful) == (6, 1)
    diagnosis = maturity.diagnose(facts)
    signal = next(s for s in diagnosis.signals if s.name == "Tracking: useful or a routine")
    assert signal.value == "17% useful, of 6 answers" and signal.stage == 1
    # Too few answers hold no stage back; no answers show no signal.
    few = maturity.diagnose(
        maturity.Facts(**{**facts.__dict__, "pulse_answers": 2, "pulse_useful": 0})
    )
    assert not any("routine" in step for step in few.next_steps)
    none = maturity.diagnose(
        maturity.Facts(**{**facts.__dict__, "pulse_answers": 0, "pulse_useful": 0})
    )
    assert not any(s.name == "Tracking: useful or a routine" for s in none.signals)
    old = today - dt.timedelta(days=120)
    CheckInPulse.objects.update(week=old - dt.timedelta(days=old.weekday()))
    assert coach.maturity_facts(workspace, today).pulse_answers == 0  # the last 90 days only
