"""A new workspace's first run: the checklist on the home page, starter objectives that pass
the coach in every language, and the check-in day the reminders follow."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import translation

from waypoint.coach import selectors as coach
from waypoint.integrations import notifications as n
from waypoint.integrations.selectors import setup_steps
from waypoint.okrs import library
from waypoint.okrs import services as okr
from waypoint.okrs.models import KeyResult, Objective
from waypoint.workspaces import services as ws_services


def done(workspace):
    return {step.key for step in setup_steps(workspace) if step.done}


def test_the_checklist_follows_what_the_workspace_has_done(
    client, workspace, owner, now_cycle, teammate, django_assert_max_num_queries, settings
):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    client.force_login(owner.user)
    page = client.get(f"/w/{workspace.slug}/").content.decode()
    assert "Get your workspace going" in page and "1 of 5 done" in page  # Tess is invited
    assert done(workspace) == {"invite"}
    with django_assert_max_num_queries(6):
        setup_steps(workspace)
    # The first objective, from an example.
    response = client.post(
        f"/w/{workspace.slug}/start/examples/", {"starter": "sup-first-response"}
    )
    objective = Objective.objects.get(workspace=workspace)
    assert response.status_code == 302
    assert response.url.endswith(f"/objectives/{objective.pk}/edit/")
    assert objective.status == Objective.Status.DRAFT and objective.owner == owner
    assert objective.cycle == now_cycle and objective.key_results.count() == 3
    # The check-in day, in the settings.
    form = {"name": "Acme", "time_zone": "UTC", "language": "en", "brand_colour": "#1d4ed8"}
    client.post(f"/w/{workspace.slug}/settings/", form | {"checkin_weekday": "2"})
    workspace.refresh_from_db()
    assert workspace.checkin_weekday == 2
    # Slack or Teams, and the first check-in.
    ws_services.workspace_update(
        workspace=workspace, actor=None, teams_webhook_url="http://127.0.0.1:9/teams"
    )
    kr = objective.key_results.first()
    okr.checkin_create(key_result=kr, date=workspace.today(), value=35, actor=None)
    assert done(workspace) == {"invite", "objective", "checkin_day", "connect", "checkin"}
    assert "Get your workspace going" not in client.get(f"/w/{workspace.slug}/").content.decode()


def test_the_checklist_is_for_admins_and_can_be_put_away(client, workspace, owner, teammate):
    client.force_login(teammate.user)
    assert "data-setup" not in client.get(f"/w/{workspace.slug}/").content.decode()
    assert client.post(f"/w/{workspace.slug}/start/hide/").status_code == 403
    client.force_login(owner.user)
    assert "data-setup" in client.get(f"/w/{workspace.slug}/").content.decode()
    client.post(f"/w/{workspace.slug}/start/hide/")
    assert "data-setup" not in client.get(f"/w/{workspace.slug}/").content.decode()


@pytest.mark.parametrize("lang", ["en", "ru", "zh-hans", "pl"])
def test_the_library_passes_the_coach_in_every_language_and_its_counter_examples_do_not(
    workspace, owner, now_cycle, lang
):
    """At least 60 objectives with key results in each language, the seven functions each
    with its own; made drafts, the good ones give the coach nothing to say (errors or
    warnings), and each counter-example is caught by it."""
    with translation.override(lang):
        entries = library.entries(library.active_language())
        assert len(entries) >= 60 and {e.function for e in entries} == set(library.FUNCTIONS)
        made = {
            library.objective_from_entry(
                entry=e, cycle=now_cycle, owner=owner, actor=owner.user
            ).pk: e
            for e in entries
        }
        qs = Objective.objects.filter(pk__in=list(made))
        for plain in coach.rule_objectives(qs):
            entry = made[int(plain.key)]
            findings = coach.draft_findings(workspace, plain)
            serious = [f for f in findings if f.severity in ("error", "warning")]
            if entry.counter:
                assert serious, entry.key
            else:
                assert serious == [], (entry.key, [f.rule for f in serious])
    krs = KeyResult.objects.filter(objective__in=list(made))
    assert krs.count() == sum(len(e.krs) for e in made.values())
    if lang != "en":  # written in the reader's language
        english = {kr.title for e in library.entries("en") for kr in e.krs}
        assert not english & set(krs.values_list("title", flat=True))


def test_the_library_is_searched_by_words_and_function(client, workspace, owner, now_cycle):
    client.force_login(owner.user)
    page = client.get(f"/w/{workspace.slug}/start/examples/?q=churn&function=support")
    text = page.content.decode()
    assert 'data-starter="sup-churn-signals"' in text and 'data-starter="sales-' not in text
    counter = client.get(f"/w/{workspace.slug}/start/examples/?function=hr").content.decode()
    assert "Counter-example" in counter and "Better: “Good people choose to stay”" in counter
    with translation.override("pl"):
        found = library.search("pl", "niepożądaną rotację", "")
    assert [e.key for e in found] == ["hr-retention"]
    # A counter-example is shown to learn from, not to copy.
    client.post(f"/w/{workspace.slug}/start/examples/", {"starter": "hr-counter"})
    assert not Objective.objects.exists()


def test_a_starter_cannot_go_into_a_closed_cycle(client, workspace, owner, now_cycle):
    okr.cycle_close(cycle=now_cycle, actor=None)
    client.force_login(owner.user)
    response = client.post(
        f"/w/{workspace.slug}/start/examples/", {"starter": "sales", "cycle": now_cycle.pk}
    )
    assert response.status_code == 302 and not Objective.objects.exists()
    assert (
        client.post(f"/w/{workspace.slug}/start/examples/", {"starter": "nope"}).status_code == 302
    )
    assert not Objective.objects.exists()


def test_reminders_go_out_on_the_chosen_day(workspace, teammate, now_cycle, mailoutbox):
    o = okr.objective_create(
        workspace=workspace, cycle=now_cycle, title="Customers stay", owner=teammate, actor=None
    )
    okr.key_result_create(objective=o, title="NPS 40 to 60", start=40, target=60, actor=None)
    ws_services.workspace_update(workspace=workspace, actor=None, checkin_weekday=3)  # Thursday
    utc = zoneinfo.ZoneInfo("UTC")
    thursday = workspace.today() + dt.timedelta(days=(3 - workspace.today().weekday()) % 7 + 7)
    monday = thursday - dt.timedelta(days=3)
    at_nine = dt.time(9, tzinfo=utc)
    assert n.run_weekly(dt.datetime.combine(monday, at_nine))["reminders"] == 0
    assert n.run_weekly(dt.datetime.combine(thursday, at_nine))["reminders"] == 1
