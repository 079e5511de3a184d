"""OKRs as code: import, export, round trip, idempotence and refusal of bad input."""

import json
import textwrap

import pytest
import yaml

from waypoint import cli
from waypoint.okrs import okrfile
from waypoint.okrs.models import CheckIn, Cycle, Initiative, KeyResult, Objective
from waypoint.workspaces.models import AuditEntry, Member, Team, Workspace

GOOD = textwrap.dedent("""\
    workspace: acme
    cycle: {name: 2026-Q1, start: 2026-01-01, end: 2026-03-31}
    objectives:
      - id: delight
        title: Customers love our onboarding
        why: Churn in the first 90 days is our biggest leak
        level: company
        owner: anna@acme.test
        teams: [Product, Support]
        kind: aspirational
        aligns_to: null
        key_results:
          - title: Raise NPS of new customers from 55 to 66
            type: increase
            start: 55
            target: 66
            unit: points
            owner: ben@acme.test
            team: Support
            weight: 1
            scoring: spectrum
            checkins:
              - {date: 2026-01-12, value: 57, confidence: on_track, comment: First survey wave}
              - {date: 2026-01-26, value: 60, confidence: at_risk}
          - title: Cut time to first value from 60 to 45 minutes
            type: decrease
            start: 60
            target: 45
            unit: min
            owner: ben@acme.test
            checkins:
              - {date: 2026-01-20, value: 50, confidence: on_track}
          - title: Keep onboarding uptime at or above 99.95%
            type: maintain
            target: 99.95
            unit: "%"
            weight: 2
            checkins:
              - {date: 2026-01-20, value: 99.9, confidence: off_track}
          - title: Self-serve onboarding live
            type: milestone
            scoring: binary
            initiatives:
              - {title: Onboarding checklist in the app, status: in_progress, owner: ben@acme.test}
      - id: support-team
        title: Support answers before customers wait
        why: Every hour a ticket waits costs us goodwill
        level: team
        owner: ben@acme.test
        teams: [Support]
        kind: committed
        aligns_to: delight
        key_results:
          - title: First reply time from 8h to 1h
            type: decrease
            start: 8
            target: 1
            unit: h
          - title: Tickets solved in one reply from 40% to 70%
            start: 40
            target: 70
            unit: "%"
            scoring: binary
""")


def run_cli(*argv):
    return cli.main(list(argv))


def write(tmp_path, text, name="okrs.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def counts():
    return (
        Workspace.objects.count(),
        Cycle.objects.count(),
        Objective.objects.count(),
        KeyResult.objects.count(),
        CheckIn.objects.count(),
        Initiative.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.django_db(transaction=True)
def test_import_creates_workspace_people_teams_and_okrs(tmp_path, capsys):
    assert run_cli("import", str(write(tmp_path, GOOD))) == 0
    ws = Workspace.objects.get(slug="acme")
    assert sorted(m.user.email for m in Member.objects.filter(workspace=ws)) == [
        "anna@acme.test",
        "ben@acme.test",
    ]
    assert sorted(Team.objects.filter(workspace=ws).values_list("name", flat=True)) == [
        "Product",
        "Support",
    ]
    delight = Objective.objects.get(ref="delight")
    assert delight.teams.count() == 2
    assert Objective.objects.get(ref="support-team").parent == delight
    nps = KeyResult.objects.get(title__startswith="Raise NPS")
    assert nps.team.name == "Support" and nps.owner.user.email == "ben@acme.test"
    assert nps.checkins.count() == 2


@pytest.mark.django_db(transaction=True)
def test_importing_the_same_file_twice_changes_nothing(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    assert run_cli("import", str(path)) == 0
    first = counts()
    assert run_cli("import", str(path)) == 0
    assert counts() == first
    assert "already up to date" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_import_export_import_gives_identical_data(tmp_path, capsys):
    assert run_cli("import", str(write(tmp_path, GOOD))) == 0
    capsys.readouterr()
    assert run_cli("export", "--workspace", "acme", "--format", "yaml") == 0
    exported = capsys.readouterr().out
    # Into a fresh workspace: the export alone rebuilds the same OKRs.
    assert (
        run_cli("import", str(write(tmp_path, exported, "export.yaml")), "--workspace", "copy") == 0
    )
    capsys.readouterr()
    assert run_cli("export", "--workspace", "copy", "--format", "yaml") == 0
    again = capsys.readouterr().out
    assert yaml.safe_load(again) == {**yaml.safe_load(exported), "workspace": "copy"}
    # And back into the original: nothing to change.
    before = counts()
    assert run_cli("import", str(write(tmp_path, exported, "export.yaml"))) == 0
    assert counts() == before


@pytest.mark.django_db(transaction=True)
def test_json_export_carries_progress_score_and_check_ins(tmp_path, capsys):
    assert run_cli("import", str(write(tmp_path, GOOD))) == 0
    capsys.readouterr()
    assert run_cli("export", "--workspace", "acme", "--format", "json") == 0
    doc = json.loads(capsys.readouterr().out)
    delight = doc["objectives"][0]
    nps, ttv, uptime, milestone = delight["key_results"]
    assert nps["progress"] == pytest.approx(5 / 11) and nps["score"] == nps["progress"]
    assert ttv["progress"] == pytest.approx(2 / 3)
    assert uptime["progress"] == 0.0
    assert milestone["progress"] == 0.0 and milestone["current"] is None
    assert delight["score"] == pytest.approx((5 / 11 + 2 / 3 + 0 * 2 + 0) / 5)
    assert nps["checkins"][1] == {"date": "2026-01-26", "value": 60, "confidence": "at_risk"}
    assert doc["objectives"][1]["aligns_to"] == "delight"
    assert "progress" in doc["objectives"][1] and "score" in doc["objectives"][1]


@pytest.mark.django_db(transaction=True)
def test_a_json_export_imports_again_with_the_same_scores(tmp_path, capsys):
    """The computed fields of a JSON export are read and ignored: the check-ins it carries
    give the same progress and scores in the workspace it is imported into."""
    assert run_cli("import", str(write(tmp_path, GOOD))) == 0
    capsys.readouterr()
    assert run_cli("export", "--workspace", "acme", "--format", "json") == 0
    exported = capsys.readouterr().out
    path = write(tmp_path, exported, "export.json")
    assert run_cli("import", str(path), "--workspace", "copy") == 0, capsys.readouterr().err
    capsys.readouterr()
    assert run_cli("export", "--workspace", "copy", "--format", "json") == 0
    again = json.loads(capsys.readouterr().out)
    assert again == {**json.loads(exported), "workspace": "copy"}


BAD_CASES = {
    "malformed yaml": (
        "workspace: acme\ncycle: {name: Q1, start: 2026-01-01, end: 2026-03-31\nobjectives: []\n",
        ":3:",
        "malformed YAML",
    ),
    "unknown type": (
        GOOD.replace("type: decrease\n        start: 60", "type: sideways\n        start: 60"),
        ":26: objectives[0].key_results[1].type:",
        "increase",
    ),
    "missing target": (
        GOOD.replace("        target: 66\n", ""),
        ":13: objectives[0].key_results[0].target:",
        "needs a target",
    ),
    "start equal to target": (
        GOOD.replace("start: 55", "start: 66"),
        ":16: objectives[0].key_results[0].target:",
        "nothing to increase",
    ),
    "aligns_to pointing nowhere": (
        GOOD.replace("aligns_to: delight", "aligns_to: nowhere"),
        ":52: objectives[1].aligns_to:",
        "'nowhere'",
    ),
    "misspelt field": (
        GOOD.replace("unit: points", "unti: points"),
        ":17: objectives[0].key_results[0].unti:",
        "unknown field",
    ),
    "bad confidence": (
        GOOD.replace("confidence: at_risk", "confidence: fine"),
        ":24: objectives[0].key_results[0].checkins[1].confidence:",
        "on_track",
    ),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_refused_with_file_line_and_field_and_writes_nothing(tmp_path, capsys, case):
    text, where, what = BAD_CASES[case]
    path = write(tmp_path, text)
    before = counts()
    assert run_cli("import", str(path)) == 2
    err = capsys.readouterr().err
    assert f"{path}{where}" in err, err
    assert what in err
    assert "nothing was imported" in err
    assert counts() == before


@pytest.mark.django_db(transaction=True)
def test_an_error_late_in_the_file_rolls_back_everything(tmp_path, capsys):
    # Valid to the schema, but the cross-cycle parent does not exist: found while writing.
    text = GOOD.replace("aligns_to: delight", "aligns_to: 2025/grow")
    assert run_cli("import", str(write(tmp_path, text))) == 2
    assert "2025/grow" in capsys.readouterr().err
    assert counts()[:6] == (0, 0, 0, 0, 0, 0)


@pytest.mark.django_db(transaction=True)
def test_every_error_of_a_file_is_reported_at_once(tmp_path, capsys):
    text = GOOD.replace("start: 55", "start: 66").replace("aligns_to: delight", "aligns_to: x")
    assert run_cli("import", str(write(tmp_path, text))) == 2
    err = capsys.readouterr().err
    assert "nothing to increase" in err and "'x'" in err


def test_an_unreadable_file_exits_2(tmp_path, capsys, db):
    assert run_cli("import", str(tmp_path / "missing.yaml")) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_objectives_may_align_to_another_cycles_objective(tmp_path, capsys):
    year = textwrap.dedent("""\
        workspace: acme
        cycle: {name: '2026', start: 2026-01-01, end: 2026-12-31, kind: year}
        objectives:
          - id: grow
            title: Grow where customers already love us
            why: Referrals are the cheapest growth
            key_results:
              - {title: Quarterly objectives delivered, driven_by_children: true}
        """)
    quarter = GOOD.replace(
        "cycle: {name: 2026-Q1, start: 2026-01-01, end: 2026-03-31}",
        "cycle: {name: 2026-Q1, start: 2026-01-01, end: 2026-03-31, kind: quarter, within: '2026'}",
    ).replace("aligns_to: null", "aligns_to: 2026/grow")
    assert run_cli("import", str(write(tmp_path, year, "year.yaml"))) == 0
    assert run_cli("import", str(write(tmp_path, quarter))) == 0
    grow = Objective.objects.get(ref="grow")
    assert Objective.objects.get(ref="delight").parent == grow
    assert Cycle.objects.get(name="2026-Q1").parent == Cycle.objects.get(name="2026")
    capsys.readouterr()
    assert run_cli("export", "--workspace", "acme", "--format", "json", "--cycle", "2026") == 0
    doc = json.loads(capsys.readouterr().out)
    delight_score = Objective.objects.get(ref="delight").score
    assert doc["objectives"][0]["key_results"][0]["progress"] == pytest.approx(delight_score)


def test_a_json_document_imports_like_yaml(tmp_path, capsys, db):
    data = yaml.safe_load(GOOD)
    text = json.dumps(data, default=str)
    docs = okrfile.load(text, "okrs.json")
    assert docs[0].objectives[0].key_results[0].target == 66


def test_export_of_an_unknown_workspace_exits_2(db, capsys):
    assert run_cli("export", "--workspace", "nope") == 2
