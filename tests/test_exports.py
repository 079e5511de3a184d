"""Exports of a cycle (CSV, XLSX, YAML, JSON) and present mode."""

import csv
import io
import subprocess
import sys

import pytest

from waypoint.okrs import exports
from waypoint.okrs import services as okr


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Raise NPS", "Raise NPS"),
        (-2.5, -2.5),
    ],
)
def test_spreadsheet_cells_cannot_run_formulas(value, safe):
    assert exports.neutralise(value) == safe


@pytest.fixture
def nasty(workspace, quarter, owner):
    o = okr.objective_create(
        workspace=workspace, cycle=quarter, title="=cmd|' /C calc'!A0", owner=owner, actor=None
    )
    okr.key_result_create(objective=o, title="@SUM(1,2) from 0 to 5", start=0, target=5, actor=None)
    return o


def test_csv_and_xlsx_downloads(client, owner_user, nasty, quarter):
    from openpyxl import load_workbook

    client.force_login(owner_user)
    response = client.get(f"/w/acme/cycles/{quarter.pk}/export/csv/")
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][2] == "'=cmd|' /C calc'!A0" and rows[1][8].startswith("'@SUM")
    response = client.get(f"/w/acme/cycles/{quarter.pk}/export/xlsx/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["C2"].value == "'=cmd|' /C calc'!A0" and sheet["K2"].value == 0
    assert client.get(f"/w/acme/cycles/{quarter.pk}/export/yaml/").status_code == 200
    assert client.get(f"/w/acme/cycles/{quarter.pk}/export/pdf/").status_code == 404


def test_okr_file_exports_are_for_admins(client, teammate, quarter, nasty):
    client.force_login(teammate.user)
    assert client.get(f"/w/acme/cycles/{quarter.pk}/export/csv/").status_code == 200
    assert client.get(f"/w/acme/cycles/{quarter.pk}/export/json/").status_code == 403


def test_the_cli_exports_csv_and_xlsx(tmp_path):
    env_dir = tmp_path / "d"
    okrs = tmp_path / "okrs.yaml"
    okrs.write_text(
        "workspace: acme\ncycle: {name: Q1, start: 2026-01-01, end: 2026-03-31}\n"
        "objectives:\n  - title: Customers love us\n    key_results:\n"
        "      - {title: NPS from 55 to 66, start: 55, target: 66}\n"
    )
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "WAYPOINT_WORKER_IMMEDIATE")
    }
    env["WAYPOINT_DATA_DIR"] = str(env_dir)

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "waypoint.cli", *args], env=env, capture_output=True, check=False
        )

    assert run("import", str(okrs)).returncode == 0
    out = run("export", "--workspace", "acme", "--format", "csv")
    assert out.returncode == 0 and "NPS from 55 to 66" in out.stdout.decode()
    target = tmp_path / "okrs.xlsx"
    assert (
        run("export", "--workspace", "acme", "--format", "xlsx", "-o", str(target)).returncode == 0
    )
    assert target.read_bytes()[:2] == b"PK"


def test_present_mode_has_a_slide_per_objective(client, owner_user, objective, key_result, quarter):
    client.force_login(owner_user)
    html = client.get(f"/w/acme/cycles/{quarter.pk}/present/").content.decode()
    assert html.count('class="slide"') == 1 and "Customers love our onboarding" in html
    assert "present.js" in html
