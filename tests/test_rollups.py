"""Stored roll-ups: whatever the services do, in any order, the stored current values,
progress and scores equal the scoring rules (README, Scoring) computed from scratch from
the check-ins."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from waypoint.cli import main as cli
from waypoint.lib import scoring
from waypoint.okrs import rollups
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn, Contribution, KeyResult, Objective

DAY0 = dt.date(2026, 1, 5)


def from_scratch(workspace) -> scoring.Scores:
    """The scoring rules (README, Scoring) applied to the raw check-ins, independently of the stored
    values: the latest check-in by date then entry order is the current value."""
    latest: dict[int, float] = {}
    for c in CheckIn.objects.filter(workspace=workspace).order_by("date", "id"):
        latest[c.key_result_id] = c.value
    krs: dict[int, list] = {}
    feeders: dict[int, list[int]] = {}
    for kr in KeyResult.objects.filter(workspace=workspace, rolls_into__isnull=False):
        feeders.setdefault(kr.rolls_into_id, []).append(kr.pk)
    for kr in KeyResult.objects.filter(workspace=workspace):
        krs.setdefault(kr.objective_id, []).append(
            scoring.KeyResultInput(
                id=kr.pk,
                type=kr.type,
                start=kr.start,
                target=kr.target,
                current=latest.get(kr.pk),
                scoring=kr.scoring,
                weight=kr.weight,
                direction=kr.direction,
                driven_by_children=kr.driven_by_children,
                feeders=feeders.get(kr.pk, ()),
            )
        )
    children: dict[int, dict[int, float]] = {}  # parent: {counting towards it: weight}
    objectives = list(Objective.objects.filter(workspace=workspace))
    for o in objectives:
        if o.parent_id:
            children.setdefault(o.parent_id, {})[o.pk] = o.parent_weight
    for c in Contribution.objects.filter(workspace=workspace):
        children.setdefault(c.parent_id, {})[c.objective_id] = c.weight
    return scoring.score_objectives(
        {
            o.pk: scoring.ObjectiveInput(
                o.pk, krs.get(o.pk, ()), list(children.get(o.pk, {})), children.get(o.pk, {})
            )
            for o in objectives
        }
    )


def assert_no_circle(workspace):
    above: dict[int, set[int]] = {}
    for o in Objective.objects.filter(workspace=workspace, parent__isnull=False):
        above.setdefault(o.pk, set()).add(o.parent_id)
    for c in Contribution.objects.filter(workspace=workspace):
        above.setdefault(c.objective_id, set()).add(c.parent_id)
    for start in above:
        seen, frontier = set(), set(above[start])
        while frontier:
            assert start not in frontier, "a circle through parents and contributions"
            seen |= frontier
            frontier = {p for o in frontier for p in above.get(o, ())} - seen


def assert_stored_equal_scratch(workspace):
    expected = from_scratch(workspace)
    latest = {}
    for c in CheckIn.objects.filter(workspace=workspace).order_by("date", "id"):
        latest[c.key_result_id] = (c.value, c.date, c.confidence)
    for kr in KeyResult.objects.filter(workspace=workspace):
        assert (kr.current_value, kr.current_date, kr.current_confidence or None) == latest.get(
            kr.pk, (None, None, None)
        ), kr.title
        assert kr.progress == pytest.approx(expected.kr_progress[kr.pk], abs=1e-12), kr.title
        assert kr.score == pytest.approx(expected.kr_score[kr.pk], abs=1e-12), kr.title
    for o in Objective.objects.filter(workspace=workspace):
        assert o.progress == pytest.approx(expected.objective_progress[o.pk], abs=1e-12), o.title
        assert o.score == pytest.approx(expected.objective[o.pk], abs=1e-12), o.title


KR_SHAPES = st.one_of(
    st.tuples(st.just("increase"), st.integers(0, 50), st.integers(51, 120)),
    st.tuples(st.just("decrease"), st.integers(51, 120), st.integers(0, 50)),
    st.tuples(st.just("maintain"), st.just(None), st.integers(0, 100)),
    st.tuples(st.just("milestone"), st.just(None), st.just(None)),
)
KEY_RESULT = st.fixed_dictionaries(
    {
        "shape": KR_SHAPES,
        "scoring": st.sampled_from(["spectrum", "binary"]),
        "direction": st.sampled_from(["higher_is_better", "lower_is_better"]),
        "weight": st.sampled_from([0.5, 1.0, 2.0, 3.0]),
        "driven": st.sampled_from([False, True, True]),
    }
)
OBJECTIVE = st.fixed_dictionaries(
    {"parent": st.integers(-1, 8), "key_results": st.lists(KEY_RESULT, max_size=3)}
)
CHECK_IN = st.tuples(
    st.just("checkin"),
    st.integers(0, 30),
    st.integers(0, 20),
    st.integers(-20, 140),
    st.sampled_from(["on_track", "at_risk", "off_track"]),
)
REPARENT = st.tuples(st.just("reparent"), st.integers(0, 8), st.integers(-1, 8))
WEIGHTS = st.sampled_from([0.25, 1.0, 2.0, 5.0])
OPERATION = st.one_of(
    CHECK_IN,
    CHECK_IN,
    CHECK_IN,
    REPARENT,
    st.tuples(st.just("contribute"), st.integers(0, 8), st.integers(0, 8), WEIGHTS),
    st.tuples(st.just("contribute"), st.integers(0, 8), st.integers(0, 8), WEIGHTS),
    st.tuples(st.just("contribution_weight"), st.integers(0, 30), WEIGHTS),
    st.tuples(st.just("uncontribute"), st.integers(0, 30)),
    st.tuples(st.just("parent_weight"), st.integers(0, 8), WEIGHTS),
    st.tuples(st.just("roll"), st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.just("roll"), st.integers(0, 30), st.integers(0, 30)),
    st.tuples(st.just("unroll"), st.integers(0, 30)),
    st.tuples(st.just("target"), st.integers(0, 30), st.integers(0, 140)),
    st.tuples(st.just("driven"), st.integers(0, 30), st.booleans()),
    st.tuples(st.just("weight"), st.integers(0, 30), st.sampled_from([0.5, 1.0, 4.0])),
    st.tuples(st.just("delete_kr"), st.integers(0, 30)),
    st.tuples(st.just("delete_objective"), st.integers(0, 8)),
    st.tuples(st.just("add_kr"), st.integers(0, 8), KEY_RESULT),
)


def _add_kr(objective, spec, n, actor):
    kind, start, target = spec["shape"]
    return okr.key_result_create(
        objective=objective,
        title=f"KR {n}",
        type=kind,
        start=start,
        target=target,
        scoring=spec["scoring"],
        direction=spec["direction"],
        weight=spec["weight"],
        driven_by_children=spec["driven"],
        actor=actor,
    )


def _apply(op, objectives, krs, actor):
    live_krs = [k for k in krs if KeyResult.objects.filter(pk=k.pk).exists()]
    live_objectives = [o for o in objectives if Objective.objects.filter(pk=o.pk).exists()]
    name = op[0]
    if name == "checkin" and live_krs:
        kr = KeyResult.objects.get(pk=live_krs[op[1] % len(live_krs)].pk)
        value = float(op[3] % 2) if kr.type == "milestone" else float(op[3])
        okr.checkin_create(
            key_result=kr,
            date=DAY0 + dt.timedelta(days=op[2]),
            value=value,
            confidence=op[4],
            actor=actor,
        )
    elif name in ("target", "driven", "weight") and live_krs:
        kr = KeyResult.objects.get(pk=live_krs[op[1] % len(live_krs)].pk)
        field = {"target": "target", "driven": "driven_by_children", "weight": "weight"}[name]
        okr.key_result_update(key_result=kr, actor=actor, **{field: op[2]})
    elif name == "reparent" and live_objectives:
        obj = Objective.objects.get(pk=live_objectives[op[1] % len(live_objectives)].pk)
        parent = (
            None
            if op[2] < 0
            else Objective.objects.get(pk=live_objectives[op[2] % len(live_objectives)].pk)
        )
        okr.objective_update(objective=obj, parent=parent, actor=actor)
    elif name == "contribute" and live_objectives:
        obj, parent = (
            Objective.objects.get(pk=live_objectives[i % len(live_objectives)].pk)
            for i in (op[1], op[2])
        )
        okr.contribution_add(objective=obj, parent=parent, weight=op[3], actor=actor)
    elif name in ("contribution_weight", "uncontribute"):
        live = list(Contribution.objects.order_by("pk"))
        if live and name == "uncontribute":
            okr.contribution_remove(contribution=live[op[1] % len(live)], actor=actor)
        elif live:
            okr.contribution_update(contribution=live[op[1] % len(live)], weight=op[2], actor=actor)
    elif name == "parent_weight" and live_objectives:
        obj = Objective.objects.get(pk=live_objectives[op[1] % len(live_objectives)].pk)
        okr.objective_update(objective=obj, parent_weight=op[2], actor=actor)
    elif name == "roll" and live_krs:
        # Into a key result of an objective above, when there is one: tried blind otherwise.
        kr = KeyResult.objects.get(pk=live_krs[op[1] % len(live_krs)].pk)
        above = KeyResult.objects.filter(objective__children=kr.objective).order_by("pk")
        above = list(above) or [KeyResult.objects.get(pk=live_krs[op[2] % len(live_krs)].pk)]
        okr.key_result_update(key_result=kr, rolls_into=above[op[2] % len(above)], actor=actor)
    elif name == "unroll" and live_krs:
        kr = KeyResult.objects.get(pk=live_krs[op[1] % len(live_krs)].pk)
        okr.key_result_update(key_result=kr, rolls_into=None, actor=actor)
    elif name == "delete_kr" and live_krs:
        okr.key_result_delete(
            key_result=KeyResult.objects.get(pk=live_krs[op[1] % len(live_krs)].pk), actor=actor
        )
    elif name == "delete_objective" and live_objectives:
        okr.objective_delete(
            objective=Objective.objects.get(pk=live_objectives[op[1] % len(live_objectives)].pk),
            actor=actor,
        )
    elif name == "add_kr" and live_objectives:
        obj = live_objectives[op[1] % len(live_objectives)]
        krs.append(_add_kr(obj, op[2], len(krs), actor))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    tree=st.lists(OBJECTIVE, min_size=2, max_size=7),
    operations=st.lists(OPERATION, min_size=4, max_size=30),
)
def test_stored_values_equal_the_rules_after_any_sequence_of_writes(
    workspace, quarter, owner_user, tree, operations
):
    with transaction.atomic():
        objectives, krs = [], []
        for i, spec in enumerate(tree):
            parent = (
                objectives[spec["parent"] % len(objectives)]
                if objectives and spec["parent"] >= 0
                else None
            )
            obj = okr.objective_create(
                workspace=workspace,
                cycle=quarter,
                title=f"Objective {i}",
                parent=parent,
                actor=owner_user,
            )
            objectives.append(obj)
            for spec_kr in spec["key_results"]:
                krs.append(_add_kr(obj, spec_kr, len(krs), owner_user))
        for op in operations:
            try:
                with transaction.atomic():
                    _apply(op, objectives, krs, owner_user)
            except ValidationError:
                pass  # refused writes (a loop, an increase whose target went below its start)
        # Whatever was accepted, the alignment and contributions hold no circle.
        assert_no_circle(workspace)
        assert_stored_equal_scratch(workspace)
        assert rollups.recompute(workspace).changed == 0
        transaction.set_rollback(True)


def test_recompute_repairs_every_stored_value(workspace, quarter, owner_user, capsys, monkeypatch):
    from waypoint.lib import planner

    vacuums = []
    monkeypatch.setattr(planner, "refresh", lambda bulk_loaded=False: vacuums.append(bulk_loaded))
    parent = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Parent", actor=owner_user
    )
    driven = okr.key_result_create(
        objective=parent, title="Children", driven_by_children=True, actor=owner_user
    )
    child = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Child", parent=parent, actor=owner_user
    )
    kr = okr.key_result_create(objective=child, title="Leads", start=0, target=10, actor=owner_user)
    okr.checkin_create(key_result=kr, date=DAY0, value=4, confidence="at_risk", actor=owner_user)
    driven.refresh_from_db()
    assert driven.progress == pytest.approx(0.4)
    KeyResult.objects.filter(workspace=workspace).update(
        progress=0, score=0, current_value=None, current_confidence=""
    )
    Objective.objects.filter(workspace=workspace).update(progress=0.9, score=0.9)
    assert cli(["recompute", "--workspace", "acme"]) == 0
    out = capsys.readouterr().out
    assert (
        "acme: 2 objectives and 2 key results" in out and "; 4 of them needed a correction" in out
    )
    assert_stored_equal_scratch(workspace)
    # Corrections rewrote rows: their old versions are vacuumed away at once.
    assert vacuums.count(True) == 1
    assert cli(["recompute", "--workspace", "acme"]) == 0
    assert "; 0 of them needed" in capsys.readouterr().out
    assert vacuums.count(True) == 1  # nothing corrected, nothing to vacuum
    assert cli(["recompute", "--workspace", "nope"]) == 2


def test_an_earlier_dated_check_in_leaves_the_current_value(key_result, owner_user):
    okr.checkin_create(key_result=key_result, date=DAY0, value=60, actor=owner_user)
    okr.checkin_create(
        key_result=key_result, date=DAY0 - dt.timedelta(days=3), value=57, actor=owner_user
    )
    key_result.refresh_from_db()
    assert (key_result.current_value, key_result.current_date) == (60, DAY0)


@pytest.fixture
def chain(workspace, quarter, owner_user):
    """Company <- team <- person, each above driven by the one below; the person's key
    result half done."""

    def objective(title, parent):
        return okr.objective_create(
            workspace=workspace, cycle=quarter, title=title, parent=parent, actor=owner_user
        )

    company = objective("Company", None)
    team = objective("Team", company)
    person = objective("Person", team)
    for o in (company, team):
        okr.key_result_create(objective=o, title="Below", driven_by_children=True, actor=owner_user)
    kr = okr.key_result_create(
        objective=person, title="Leads", start=0, target=10, actor=owner_user
    )
    okr.checkin_create(key_result=kr, date=DAY0, value=5, actor=owner_user)
    return {"company": company, "team": team, "person": person, "kr": kr}


def scores_of(*objectives):
    return [Objective.objects.get(pk=o.pk).score for o in objectives]


def test_a_check_in_rolls_up_through_every_level(chain, workspace):
    assert scores_of(chain["person"], chain["team"], chain["company"]) == [0.5, 0.5, 0.5]
    assert_stored_equal_scratch(workspace)


def test_realigning_rescores_the_old_and_the_new_parent(chain, workspace, quarter, owner_user):
    other = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Other", actor=owner_user
    )
    okr.key_result_create(objective=other, title="Below", driven_by_children=True, actor=owner_user)
    okr.objective_update(objective=chain["person"], parent=other, actor=owner_user)
    assert scores_of(chain["team"], chain["company"], other) == [0, 0, 0.5]
    assert_stored_equal_scratch(workspace)


def test_deleting_a_key_result_rescores_what_was_above(chain, workspace, owner_user):
    okr.key_result_delete(key_result=chain["kr"], actor=owner_user)
    assert scores_of(chain["person"], chain["team"], chain["company"]) == [0, 0, 0]
    assert_stored_equal_scratch(workspace)


def test_deleting_a_child_rescores_what_was_above(chain, workspace, owner_user):
    okr.objective_delete(objective=chain["person"], actor=owner_user)
    assert scores_of(chain["team"], chain["company"]) == [0, 0]
    assert_stored_equal_scratch(workspace)


def test_changing_a_target_or_weight_rescores(chain, workspace, owner_user):
    okr.key_result_update(key_result=chain["kr"], target=20, actor=owner_user)
    assert scores_of(chain["company"]) == [0.25]
    extra = okr.key_result_create(
        objective=chain["person"], title="Ship", type="milestone", weight=3, actor=owner_user
    )
    assert scores_of(chain["person"]) == [pytest.approx(0.25 / 4)]
    okr.key_result_update(key_result=extra, weight=1, actor=owner_user)
    assert scores_of(chain["company"]) == [pytest.approx(0.125)]
    assert_stored_equal_scratch(workspace)


@pytest.mark.django_db(transaction=True)
def test_concurrent_check_ins_leave_every_stored_value_right(workspace, quarter, owner_user):
    """Writers in parallel on one key result and on siblings under one parent: each writer
    locks what it rescores, so the last to commit sees the others' check-ins. (SQLite has
    one writer at a time anyway; PostgreSQL is where this is tested for real.)"""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    parent = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Parent", actor=owner_user
    )
    okr.key_result_create(
        objective=parent, title="Below", driven_by_children=True, actor=owner_user
    )
    krs = []
    for i in range(8):
        child = okr.objective_create(
            workspace=workspace, cycle=quarter, title=f"Child {i}", parent=parent, actor=owner_user
        )
        krs.append(
            okr.key_result_create(objective=child, title=f"KR {i}", target=100, actor=owner_user)
        )

    def write(n):
        try:
            kr = KeyResult.objects.get(pk=krs[n % 8].pk)
            okr.checkin_create(key_result=kr, date=DAY0, value=n, actor=None)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(write, range(160)))
    assert CheckIn.objects.count() == 160
    assert_stored_equal_scratch(workspace)


def test_a_contributor_counts_with_its_weight_beside_the_aligned_objectives(
    chain, workspace, quarter, owner_user
):
    """The team is driven by the person aligned under it (score 0.5, weight 1); a project
    of another team also counts towards it with weight 3. The team's driven key result is
    the weighted mean: (0.5 × 1 + s × 3) / 4, and everything above follows each change."""
    project = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Project", actor=owner_user
    )
    kr = okr.key_result_create(
        objective=project, title="Ship", start=0, target=10, actor=owner_user
    )
    okr.checkin_create(key_result=kr, date=DAY0, value=10, actor=owner_user)
    c = okr.contribution_add(objective=project, parent=chain["team"], weight=3, actor=owner_user)
    assert scores_of(chain["team"], chain["company"]) == [0.875, 0.875]
    okr.checkin_create(key_result=kr, date=DAY0 + dt.timedelta(days=1), value=2, actor=owner_user)
    assert scores_of(chain["team"]) == [pytest.approx((0.5 + 0.2 * 3) / 4)]
    okr.contribution_update(contribution=c, weight=1, actor=owner_user)
    assert scores_of(chain["team"]) == [pytest.approx(0.35)]
    okr.objective_update(objective=chain["person"], parent_weight=3, actor=owner_user)
    assert scores_of(chain["team"]) == [pytest.approx((0.5 * 3 + 0.2) / 4)]
    assert_stored_equal_scratch(workspace)
    assert rollups.recompute(workspace).changed == 0
    okr.contribution_remove(contribution=c, actor=owner_user)
    assert scores_of(chain["team"], chain["company"]) == [0.5, 0.5]
    c = okr.contribution_add(objective=project, parent=chain["team"], weight=1, actor=owner_user)
    okr.objective_delete(objective=project, actor=owner_user)
    assert scores_of(chain["team"]) == [0.5] and not Contribution.objects.exists()
    assert_stored_equal_scratch(workspace)


def test_contributions_refuse_circles_and_nonsense(chain, workspace, owner_user):
    """Through parents and contributions alike, nothing may count towards itself; a
    weight is above 0 and at most 100; a contribution is not to the objective's own
    parent, nor twice; refused, nothing is written."""
    company, team, person = chain["company"], chain["team"], chain["person"]

    def refused(**kw):
        with pytest.raises(ValidationError) as exc, transaction.atomic():
            okr.contribution_add(actor=owner_user, **{"weight": 1, **kw})
        return " ".join(exc.value.messages)

    assert "itself" in refused(objective=company, parent=person)  # person counts under company
    assert "itself" in refused(objective=team, parent=team)
    assert "already aligns" in refused(objective=person, parent=team)
    for bad in (0, -1, 101, float("nan"), "x"):
        assert "weight" in refused(objective=person, parent=company, weight=bad)
    okr.contribution_add(objective=person, parent=company, weight=2, actor=owner_user)
    assert "already counts" in refused(objective=person, parent=company)
    # Aligning the company under the person now closes a circle through the contribution.
    with pytest.raises(ValidationError):
        okr.objective_update(objective=company, parent=person, actor=owner_user)
    # Nor may the person's parent become the objective it already contributes to.
    with pytest.raises(ValidationError, match="remove that first"):
        okr.objective_update(objective=person, parent=company, actor=owner_user)
    with pytest.raises(ValidationError):
        okr.objective_update(objective=person, parent_weight=0, actor=owner_user)
    assert Contribution.objects.count() == 1
    assert_stored_equal_scratch(workspace)


def test_key_results_roll_up_into_a_key_result_of_the_objective_above(
    workspace, quarter, owner_user
):
    """Two teams' key results roll into the company's: its progress is their progress's
    weighted mean (weights 1 and 3), whatever its own check-ins say, and the company's score
    follows each check-in below, through two levels."""

    def objective(title, parent=None):
        return okr.objective_create(
            workspace=workspace, cycle=quarter, title=title, parent=parent, actor=owner_user
        )

    company = objective("Company")
    homes = okr.key_result_create(
        objective=company, title="Homes sold", start=0, target=300, actor=owner_user
    )
    okr.key_result_create(objective=company, title="Other", start=0, target=10, actor=owner_user)
    north, south = objective("North", company), objective("South", company)
    n = okr.key_result_create(
        objective=north, title="North sold", start=0, target=100, rolls_into=homes, actor=owner_user
    )
    s = okr.key_result_create(
        objective=south, title="South sold", start=0, target=200, weight=3, actor=owner_user
    )
    okr.key_result_update(key_result=s, rolls_into=homes, actor=owner_user)
    okr.checkin_create(key_result=homes, date=DAY0, value=290, actor=owner_user)  # ignored
    okr.checkin_create(key_result=n, date=DAY0, value=50, actor=owner_user)
    homes.refresh_from_db()
    assert homes.progress == pytest.approx(0.5 / 4)
    okr.checkin_create(key_result=s, date=DAY0, value=100, actor=owner_user)
    homes.refresh_from_db()
    assert homes.progress == pytest.approx((0.5 + 0.5 * 3) / 4)
    assert scores_of(company) == [pytest.approx(0.25)]  # (0.5 + 0) / 2
    # A third level: a person's key result rolls into North's.
    person = objective("Person", north)
    p = okr.key_result_create(
        objective=person, title="Mine", start=0, target=10, rolls_into=n, actor=owner_user
    )
    okr.checkin_create(key_result=p, date=DAY0, value=10, actor=owner_user)
    homes.refresh_from_db()
    assert homes.progress == pytest.approx((1 + 0.5 * 3) / 4)
    assert_stored_equal_scratch(workspace)
    assert rollups.recompute(workspace).changed == 0
    # Realigning South elsewhere ends its roll-up; deleting North's key result, North's.
    okr.objective_update(objective=south, parent=None, actor=owner_user)
    assert KeyResult.objects.get(pk=s.pk).rolls_into_id is None
    okr.key_result_delete(key_result=n, actor=owner_user)
    homes.refresh_from_db()
    assert homes.progress == pytest.approx(290 / 300)  # its own check-in again
    assert_stored_equal_scratch(workspace)


def test_a_roll_up_goes_up_the_alignment_only(workspace, quarter, owner_user):
    company = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Company", actor=owner_user
    )
    team = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Team", parent=company, actor=owner_user
    )
    side = okr.objective_create(workspace=workspace, cycle=quarter, title="Side", actor=owner_user)
    top = okr.key_result_create(objective=company, title="Top", target=10, actor=owner_user)
    below = okr.key_result_create(objective=team, title="Below", target=10, actor=owner_user)
    elsewhere = okr.key_result_create(objective=side, title="Side", target=10, actor=owner_user)
    driven = okr.key_result_create(
        objective=company, title="Driven", driven_by_children=True, actor=owner_user
    )
    for target in (elsewhere, below):  # not above: refused (so no circle can form)
        with pytest.raises(ValidationError, match="counts towards"):
            okr.key_result_update(key_result=top, rolls_into=target, actor=owner_user)
    with pytest.raises(ValidationError, match="driven by the objectives below"):
        okr.key_result_update(key_result=below, rolls_into=driven, actor=owner_user)
    okr.key_result_update(key_result=below, rolls_into=top, actor=owner_user)
    with pytest.raises(ValidationError, match="cannot also be driven"):
        okr.key_result_update(key_result=top, driven_by_children=True, actor=owner_user)
    # Through a contribution, Side may roll into the company's key result too.
    okr.contribution_add(objective=side, parent=company, actor=owner_user)
    okr.key_result_update(key_result=elsewhere, rolls_into=top, actor=owner_user)
    okr.contribution_remove(contribution=side.contributions.get(), actor=owner_user)
    assert KeyResult.objects.get(pk=elsewhere.pk).rolls_into_id is None
    assert_stored_equal_scratch(workspace)


def test_a_check_in_rescores_each_level_above_it_with_a_fixed_few_reads(chain, owner_user):
    """A check-in is the write made most often, and it rescores every level above it in its
    transaction (on SQLite, while every other writer waits). Each level is read with one
    statement (its objectives, their key results, which of those others roll into, which
    objectives contribute elsewhere); a level driven by its children also reads their scores
    (aligned and contributing, two), and a level whose score moved asks which parents follow
    it. Here: the key result's lock, three levels, two of them driven, two moves, and the
    check for webhooks: eleven reads (twenty when a level took four)."""
    with CaptureQueriesContext(connection) as seen:
        okr.checkin_create(key_result=chain["kr"], date=DAY0, value=8, actor=owner_user)
    reads = [q["sql"] for q in seen.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    assert len(reads) == 11, "\n".join(reads)
    assert scores_of(chain["person"], chain["team"], chain["company"]) == [0.8, 0.8, 0.8]
