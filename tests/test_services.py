"""The OKR core's services: the rules they enforce and the audit trail they leave."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from waypoint.okrs import selectors
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn, Cycle, KeyResult, Objective
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry, Role
from waypoint.workspaces.selectors import scoped_get


def audit_for(obj, action):
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=obj.pk, action=action
    )


def current_value(kr):
    return KeyResult.objects.get(pk=kr.pk).current_value


def test_a_check_in_dated_earlier_than_the_latest_does_not_become_current(key_result, owner_user):
    okr.checkin_create(key_result=key_result, date=dt.date(2026, 2, 1), value=60, actor=owner_user)
    okr.checkin_create(key_result=key_result, date=dt.date(2026, 1, 15), value=57, actor=owner_user)
    assert current_value(key_result) == 60
    assert selectors.current_checkin(key_result).value == 60


def test_two_check_ins_on_one_date_the_later_entry_wins(key_result, owner_user):
    okr.checkin_create(key_result=key_result, date=dt.date(2026, 2, 1), value=60, actor=owner_user)
    okr.checkin_create(key_result=key_result, date=dt.date(2026, 2, 1), value=61, actor=owner_user)
    assert current_value(key_result) == 61


def test_a_check_in_for_this_week_becomes_current_without_looking_the_latest_up(
    key_result, owner_user
):
    """Written after every other under the key result's lock, a check-in dated on or after
    the current one is the latest: only a late entry for a past week looks it up (the
    check-in's write holds SQLite's single write lock, so each query there counts)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def reads_of_check_ins(date, value):
        with CaptureQueriesContext(connection) as ctx:
            okr.checkin_create(key_result=key_result, date=date, value=value, actor=owner_user)
        return [
            q["sql"] for q in ctx.captured_queries if q["sql"].startswith('SELECT "okrs_checkin"')
        ]

    assert reads_of_check_ins(dt.date(2026, 2, 1), 60) == []
    assert reads_of_check_ins(dt.date(2026, 2, 8), 61) == []
    assert reads_of_check_ins(dt.date(2026, 2, 8), 62) == []
    assert current_value(key_result) == 62
    assert len(reads_of_check_ins(dt.date(2026, 1, 25), 50)) == 1  # a late entry
    assert current_value(key_result) == 62


def test_stored_scores_follow_check_ins(objective, key_result, owner, owner_user):
    second = okr.key_result_create(
        objective=objective,
        title="Cut time to first value from 60 to 45 minutes",
        type="decrease",
        start=60,
        target=45,
        unit="min",
        owner=owner,
        weight=2,
        actor=owner_user,
    )
    okr.checkin_create(key_result=key_result, date=dt.date(2026, 2, 1), value=60, actor=owner_user)
    okr.checkin_create(key_result=second, date=dt.date(2026, 2, 1), value=50, actor=owner_user)
    key_result.refresh_from_db()
    objective.refresh_from_db()
    assert key_result.progress == pytest.approx(5 / 11)
    assert objective.score == pytest.approx((5 / 11 + 2 * 2 / 3) / 3)


def test_moving_an_objective_to_another_cycle_keeps_its_history(
    workspace, objective, key_result, owner_user
):
    okr.checkin_create(key_result=key_result, date=dt.date(2026, 2, 1), value=60, actor=owner_user)
    q2 = okr.cycle_create(
        workspace=workspace,
        name="2026-Q2",
        start=dt.date(2026, 4, 1),
        end=dt.date(2026, 6, 30),
        actor=owner_user,
    )
    okr.objective_move(objective=objective, cycle=q2, actor=owner_user)
    objective.refresh_from_db()
    assert objective.cycle == q2
    assert list(objective.key_results.all()) == [key_result]
    assert key_result.checkins.count() == 1
    entry = audit_for(objective, "objective.move").get()
    assert entry.before["cycle_id"] != entry.after["cycle_id"] == q2.pk


def test_an_objective_cannot_align_under_its_own_child(workspace, quarter, objective, owner_user):
    child = okr.objective_create(
        workspace=workspace,
        cycle=quarter,
        title="Team onboarding",
        parent=objective,
        actor=owner_user,
    )
    with pytest.raises(ValidationError):
        okr.objective_update(objective=objective, parent=child, actor=owner_user)


def test_records_of_another_workspace_are_refused(objective, other_workspace, owner_user):
    stranger = other_workspace.members.get()
    with pytest.raises(ValidationError):
        okr.objective_update(objective=objective, owner=stranger, actor=owner_user)
    with pytest.raises(ValidationError):
        okr.key_result_create(
            objective=objective,
            title="x 0 to 5",
            start=0,
            target=5,
            owner=stranger,
            actor=owner_user,
        )


def test_scoped_lookup_of_another_workspaces_objective_is_a_404(objective, other_workspace):
    assert scoped_get(Objective, objective.workspace, pk=objective.pk) == objective
    with pytest.raises(Http404):
        scoped_get(Objective, other_workspace, pk=objective.pk)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "increase", "start": 5, "target": 5}, "target"),
        ({"type": "increase", "start": 10, "target": 5}, "target"),
        ({"type": "decrease", "start": 5, "target": 10}, "target"),
        ({"type": "increase", "start": 0, "target": None}, "target"),
        ({"type": "maintain", "target": None}, "target"),
        ({"type": "sideways", "start": 0, "target": 5}, "type"),
        ({"type": "increase", "start": 0, "target": 5, "weight": 0}, "weight"),
    ],
)
def test_a_badly_defined_key_result_is_refused_and_not_written(
    objective, owner_user, fields, field
):
    with pytest.raises(ValidationError) as exc:
        okr.key_result_create(objective=objective, title="Bad KR", actor=owner_user, **fields)
    assert field in exc.value.message_dict
    assert not KeyResult.objects.filter(title="Bad KR").exists()


def test_a_milestone_is_checked_in_as_zero_or_one(objective, owner_user):
    kr = okr.key_result_create(
        objective=objective, title="Self-serve onboarding live", type="milestone", actor=owner_user
    )
    with pytest.raises(ValidationError):
        okr.checkin_create(key_result=kr, date=dt.date(2026, 2, 1), value=0.5, actor=owner_user)
    okr.checkin_create(key_result=kr, date=dt.date(2026, 2, 1), value=1, actor=owner_user)
    assert current_value(kr) == 1


def test_a_year_cycle_comes_with_its_quarters(workspace, owner_user):
    year = okr.cycle_create_year(workspace=workspace, year=2027, actor=owner_user)
    quarters = list(year.children.order_by("start"))
    assert [q.name for q in quarters] == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]
    assert quarters[0].start == dt.date(2027, 1, 1) and quarters[-1].end == dt.date(2027, 12, 31)
    assert quarters[1].end == dt.date(2027, 6, 30)


def test_a_quarter_must_lie_inside_its_year(workspace, owner_user):
    year = okr.cycle_create_year(workspace=workspace, year=2027, actor=owner_user, quarters=False)
    with pytest.raises(ValidationError):
        okr.cycle_create(
            workspace=workspace,
            name="Late",
            start=dt.date(2027, 12, 1),
            end=dt.date(2028, 1, 31),
            parent=year,
            actor=owner_user,
        )


def test_only_one_cycle_is_current(workspace, quarter, owner_user):
    other = okr.cycle_create(
        workspace=workspace,
        name="2026-Q2",
        start=dt.date(2026, 4, 1),
        end=dt.date(2026, 6, 30),
        actor=owner_user,
    )
    okr.cycle_set_current(cycle=quarter, actor=owner_user)
    okr.cycle_set_current(cycle=other, actor=owner_user)
    assert list(Cycle.objects.filter(workspace=workspace, is_current=True)) == [other]


def test_the_last_owner_cannot_be_demoted(owner, owner_user):
    with pytest.raises(ValidationError):
        ws_services.member_set_role(member=owner, role=Role.VIEWER, actor=owner_user)


def test_an_update_that_changes_nothing_writes_no_audit_row(objective, owner_user):
    before = AuditEntry.objects.count()
    okr.objective_update(objective=objective, title=objective.title, actor=owner_user)
    assert AuditEntry.objects.count() == before


def test_every_service_leaves_an_audit_row(workspace, quarter, owner, teammate, owner_user):
    """One pass through every write service; each leaves its row with actor and after-state."""
    team = ws_services.team_create(workspace=workspace, name="Support", actor=owner_user)
    sub = ws_services.team_create(workspace=workspace, name="Tier 2", actor=owner_user)
    ws_services.team_update(team=sub, parent=team, lead=teammate, actor=owner_user)
    ws_services.team_set_members(team=team, members=[owner, teammate], actor=owner_user)
    ws_services.member_set_role(member=teammate, role=Role.EDITOR, actor=owner_user)
    ws_services.workspace_update(workspace=workspace, time_zone="Europe/Warsaw", actor=owner_user)
    year = okr.cycle_create_year(workspace=workspace, year=2027, actor=owner_user, quarters=False)
    okr.cycle_update(cycle=year, name="FY2027", actor=owner_user)
    okr.cycle_set_current(cycle=quarter, actor=owner_user)
    obj = okr.objective_create(
        workspace=workspace,
        cycle=quarter,
        title="Support that delights",
        teams=[team],
        actor=owner_user,
    )
    okr.objective_update(objective=obj, why="Tickets are churn in waiting", actor=owner_user)
    kr = okr.key_result_create(
        objective=obj,
        title="First reply from 8h to 1h",
        type="decrease",
        start=8,
        target=1,
        actor=owner_user,
    )
    kr2 = okr.key_result_create(
        objective=obj, title="CSAT from 80 to 92", start=80, target=92, actor=owner_user
    )
    okr.key_result_update(key_result=kr, unit="h", actor=owner_user)
    okr.key_results_reorder(objective=obj, ordered_ids=[kr2.pk, kr.pk], actor=owner_user)
    ci = okr.checkin_create(key_result=kr, date=dt.date(2026, 1, 9), value=6, actor=owner_user)
    ini = okr.initiative_create(key_result=kr, title="Reply macros", actor=owner_user)
    okr.initiative_update(initiative=ini, status="done", actor=owner_user)
    q2 = okr.cycle_create(
        workspace=workspace,
        name="2026-Q2",
        start=dt.date(2026, 4, 1),
        end=dt.date(2026, 6, 30),
        actor=owner_user,
    )
    okr.objective_move(objective=obj, cycle=q2, actor=owner_user)
    okr.objective_archive(objective=obj, actor=owner_user)

    expected = [
        (team, "team.create"),
        (sub, "team.update"),
        (team, "team.set_members"),
        (teammate, "member.set_role"),
        (workspace, "workspace.update"),
        (year, "cycle.create"),
        (year, "cycle.update"),
        (quarter, "cycle.set_current"),
        (obj, "objective.create"),
        (obj, "objective.update"),
        (kr, "key_result.create"),
        (kr, "key_result.update"),
        (ci, "checkin.create"),
        (ini, "initiative.create"),
        (ini, "initiative.update"),
        (obj, "objective.move"),
        (obj, "objective.archive"),
        (teammate, "member.add"),
        (workspace, "workspace.create"),
    ]
    for obj_, action in expected:
        entry = audit_for(obj_, action).first()
        assert entry is not None, action
        assert entry.after is not None
        assert entry.workspace_id == workspace.pk
    assert audit_for(teammate.user, "user.create").exists()

    okr.initiative_delete(initiative=ini, actor=owner_user)
    okr.key_result_delete(key_result=kr2, actor=owner_user)
    okr.objective_delete(objective=obj, actor=owner_user)
    for action in ("initiative.delete", "key_result.delete", "objective.delete"):
        entry = AuditEntry.objects.get(action=action)
        assert entry.before and entry.actor == owner_user
    assert not CheckIn.objects.filter(pk=ci.pk).exists()


def test_audit_rows_never_hold_password_hashes(owner_user, workspace):
    from waypoint.workspaces.audit import snapshot

    assert "password" not in snapshot(owner_user)


def test_the_streak_asks_a_week_at_a_time_however_many_check_ins(
    workspace, key_result, owner, owner_user
):
    """The check-in page's streak: weeks in a row in which the member checked in, up to this
    one (last week counts while this one is open). One statement asks each week once, a seek
    in the index of authors' days, so a member with thousands of check-ins costs no more
    than one with a few."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waypoint.okrs.models import CheckIn

    today = dt.date(2026, 3, 4)  # a Wednesday
    monday = selectors.week_of(today)

    def write(weeks_back, many=30):
        CheckIn.objects.bulk_create(
            CheckIn(
                workspace=workspace,
                key_result=key_result,
                author=owner,
                date=monday - dt.timedelta(weeks=weeks_back) + dt.timedelta(days=n % 7),
                value=n,
            )
            for n in range(many)
        )

    for weeks_back in (1, 2, 3, 5, 60):  # three weeks in a row, a gap, older ones
        write(weeks_back)
    assert selectors.checkin_streak(owner, today) == 3
    write(0, many=1)
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.checkin_streak(owner, today) == 4
    assert selectors.checkin_streak(owner, today + dt.timedelta(weeks=2)) == 0
    (sql,) = [q["sql"] for q in ctx.captured_queries]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            plan = [row[-1] for row in cursor.execute("EXPLAIN QUERY PLAN " + sql).fetchall()]
        probes = [step for step in plan if "okrs_checkin" in step]
        assert len(probes) == selectors.STREAK_WEEKS + 1, plan
        assert all("checkin_author_day" in step for step in probes), probes


def test_the_last_comment_under_each_check_in_row_is_found_by_its_own_index(
    workspace, owner, quarter, key_result, owner_user
):
    """However many check-ins without a comment followed it, a key result's last comment is
    the first entry of an index of commented check-ins (a scan of all of them before)."""
    from django.db import connection

    okr.checkin_create(
        key_result=key_result, date=dt.date(2026, 2, 1), value=1, comment="Why", actor=owner_user
    )
    for day in range(2, 9):
        okr.checkin_create(
            key_result=key_result, date=dt.date(2026, 2, day), value=day, actor=owner_user
        )
    qs = selectors.checkin_sheet(workspace, owner, quarter)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = qs.query.sql_with_params()
        explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
        cursor.execute(f"{explain} {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert plan.count("checkin_commented_latest") >= 1, plan
    (row,) = [kr for kr in qs if kr.pk == key_result.pk]
    assert (row.last_comment, row.last_comment_date) == ("Why", dt.date(2026, 2, 1))


def test_the_labels_of_levels_kinds_and_confidences_are_djangos_in_every_language(
    objective, key_result
):
    """Objectives and check-ins give their choices' labels without Django's per-call dict;
    the same labels, in the active language, and an unknown value as it is."""
    from django.db.models import Model
    from django.utils import translation

    from waypoint.okrs.models import CheckIn, Objective

    checkin = CheckIn(key_result=key_result, value=1, confidence="at_risk")
    for language in ("en", "ru", "zh-hans", "pl"):
        with translation.override(language):
            for obj, field in ((objective, "level"), (objective, "kind"), (checkin, "confidence")):
                django_s = Model._get_FIELD_display(obj, obj._meta.get_field(field))
                assert getattr(obj, f"get_{field}_display")() == django_s
            assert checkin.get_confidence_display() != "at_risk"
    assert Objective(level="nonsense").get_level_display() == "nonsense"
