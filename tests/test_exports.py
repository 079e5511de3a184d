"""Exports of a cycle (CSV, XLSX, YAML, JSON, PDF) and present mode."""

import csv
import io
import os
import re
import shutil
import subprocess
import sys

import pytest

from waypoint.okrs import exports
from waypoint.okrs import services as okr
from waypoint.workspaces import services as ws_services


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


def test_csv_and_xlsx_downloads(client, owner_user, nasty, quarter, owner, teammate):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from openpyxl import load_workbook

    client.force_login(owner_user)
    client.get(f"/w/acme/cycles/{quarter.pk}/export/csv/")
    asked = []
    for n, who in enumerate((owner, teammate, None)):
        okr.key_result_create(
            objective=nasty, title=f"Ship {n} things", target=n + 1, owner=who, actor=None
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/w/acme/cycles/{quarter.pk}/export/csv/")
        asked.append(len(queries))
    # Key results' owners come for all of them at once, not a query or two a key result.
    assert asked[0] == asked[1] == asked[2], asked
    assert response["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1][2] == "'=cmd|' /C calc'!A0" and rows[1][8].startswith("'@SUM")
    owners = {row[rows[0].index("Key result owner")] for row in rows[1:]}
    assert owners == {"", owner.user.email, teammate.user.email}
    response = client.get(f"/w/acme/cycles/{quarter.pk}/export/xlsx/")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["C2"].value == "'=cmd|' /C calc'!A0" and sheet["K2"].value == 0
    assert client.get(f"/w/acme/cycles/{quarter.pk}/export/yaml/").status_code == 200
    assert client.get(f"/w/acme/cycles/{quarter.pk}/export/docx/").status_code == 404


def test_okr_file_exports_are_for_admins(client, teammate, quarter, nasty):
    client.force_login(teammate.user)
    assert client.get(f"/w/acme/cycles/{quarter.pk}/export/csv/").status_code == 200
    assert client.get(f"/w/acme/cycles/{quarter.pk}/export/json/").status_code == 403


@pytest.fixture
def cli(tmp_path):
    """Runs ``waypoint`` in a fresh data directory with one imported cycle of workspace acme."""
    okrs = tmp_path / "okrs.yaml"
    okrs.write_text(
        "workspace: acme\ncycle: {name: Q1, start: 2026-01-01, end: 2026-03-31}\n"
        "objectives:\n  - title: Customers love us\n    key_results:\n"
        "      - {title: NPS from 55 to 66, start: 55, target: 66}\n"
        "  - title: Клиенты рекомендуют нас друзьям\n    key_results:\n"
        "      - {title: Доля рекомендаций с 10 до 25, start: 10, target: 25, unit: '%'}\n",
        encoding="utf-8",
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "WAYPOINT_WORKER_IMMEDIATE")
    }
    env["WAYPOINT_DATA_DIR"] = str(tmp_path / "d")

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "waypoint.cli", *args], env=env, capture_output=True, check=False
        )

    assert run("import", str(okrs)).returncode == 0
    return run


@pytest.mark.sqlite_pass_only  # the command runs on SQLite whatever DATABASE_URL says
def test_the_cli_exports_csv_and_xlsx(cli, tmp_path):
    out = cli("export", "--workspace", "acme", "--format", "csv")
    assert out.returncode == 0 and "NPS from 55 to 66" in out.stdout.decode()
    target = tmp_path / "okrs.xlsx"
    assert (
        cli("export", "--workspace", "acme", "--format", "xlsx", "-o", str(target)).returncode == 0
    )
    assert target.read_bytes()[:2] == b"PK"


@pytest.mark.sqlite_pass_only
def test_the_cli_writes_a_cycle_pdf_to_a_file_and_only_to_a_file(cli, tmp_path):
    target = tmp_path / "q1.pdf"
    out = cli(
        "export", "--workspace", "acme", "--format", "pdf", "--cycle", "Q1", "-o", str(target)
    )
    assert out.returncode == 0, out.stderr.decode()
    text = pdf_text(target.read_bytes(), tmp_path)
    assert "Customers love us" in text and "Доля рекомендаций с 10 до 25" in text
    refused = cli("export", "--workspace", "acme", "--format", "pdf")
    assert refused.returncode == 2 and b"-o FILE" in refused.stderr and refused.stdout == b""
    missing = cli("export", "--workspace", "acme", "--format", "pdf", "--cycle", "Q9", "-o", "x")
    assert missing.returncode == 2 and b"Q9" in missing.stderr


# --- The printable cycle -----------------------------------------------------------------------


def pdf_text(data: bytes, tmp_path) -> str:
    """The text of a PDF as poppler's pdftotext reads it, with lines joined (a title may wrap)."""
    if shutil.which("pdftotext") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftotext is missing: .ci/run installs poppler-utils")
        pytest.skip("pdftotext (poppler-utils) is needed")
    assert data[:5] == b"%PDF-"
    path = tmp_path / "cycle.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(text.split())


@pytest.fixture
def printed(workspace, quarter, owner, teammate, objective, key_result):
    """The quarter with a company objective, a Russian and a Chinese team objective, a private
    objective of the owner's and an archived one."""
    team = ws_services.team_create(workspace=workspace, name="Продажи", actor=None)
    ru = okr.objective_create(
        workspace=workspace,
        cycle=quarter,
        title="Клиенты рекомендуют нас друзьям",
        level="team",
        owner=teammate,
        teams=[team],
        actor=None,
    )
    okr.key_result_create(
        objective=ru,
        title="Доля рекомендаций с 10 до 25",
        start=10,
        target=25,
        unit="%",
        actor=None,
    )
    zh = okr.objective_create(
        workspace=workspace,
        cycle=quarter,
        title="客户喜欢我们的服务",
        level="team",
        teams=[team],
        actor=None,
    )
    okr.key_result_create(objective=zh, title="满意度从70提高到85", start=70, target=85, actor=None)
    okr.objective_create(
        workspace=workspace,
        cycle=quarter,
        title="Quietly replace the CRM",
        owner=owner,
        private=True,
        actor=None,
    )
    old = okr.objective_create(
        workspace=workspace, cycle=quarter, title="Retired idea", owner=owner, actor=None
    )
    okr.objective_archive(objective=old, actor=None)
    okr.checkin_create(
        key_result=key_result, date=quarter.start, value=60, confidence="at_risk", actor=None
    )
    return quarter


def test_the_cycle_pdf_prints_objectives_and_key_results_in_any_script(
    client, owner_user, printed, tmp_path
):
    client.force_login(owner_user)
    response = client.get(f"/w/acme/cycles/{printed.pk}/export/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="acme-2026-q1.pdf"'
    text = pdf_text(response.content, tmp_path)
    assert "Acme" in text and "2026-Q1" in text
    assert "Customers love our onboarding" in text
    assert "Raise NPS of new customers from 55 to 66" in text and "At risk" in text
    assert "Клиенты рекомендуют нас друзьям" in text and "Продажи" in text
    assert "Доля рекомендаций с 10 до 25" in text
    assert "客户喜欢我们的服务" in text
    assert "Quietly replace the CRM" in text  # the owner may see it
    assert "Retired idea" not in text
    assert re.search(r"\b1 ?/ ?1\b", text)  # the page number in the footer


def test_the_cycle_pdf_writes_numbers_and_dates_as_its_reader_does(
    client, owner_user, printed, key_result, tmp_path
):
    okr.checkin_create(
        key_result=key_result, date=printed.start, value=61.5, confidence="on_track", actor=None
    )
    client.force_login(owner_user)
    ws = printed.workspace
    text = {}
    for language in ("ru", "en"):
        ws.language = language
        ws.save(update_fields=["language"])
        response = client.get(f"/w/acme/cycles/{printed.pk}/export/pdf/")
        text[language] = pdf_text(response.content, tmp_path)
    assert "1 января 2026" in text["ru"] and "31 марта 2026" in text["ru"]  # the cycle's dates
    assert "55 → 61,5 / 66" in text["ru"]  # a decimal comma
    assert "Jan. 1, 2026" in text["en"] and "55 → 61.5 / 66" in text["en"]


def test_the_cycle_pdf_leaves_out_someone_elses_private_objective(
    client, teammate, printed, tmp_path
):
    client.force_login(teammate.user)
    response = client.get(f"/w/acme/cycles/{printed.pk}/export/pdf/")
    text = pdf_text(response.content, tmp_path)
    assert "Клиенты рекомендуют нас друзьям" in text
    assert "Quietly replace the CRM" not in text


def test_another_workspaces_cycle_pdf_is_a_404(client, owner_user, other_workspace, printed):
    from waypoint.okrs.models import Cycle

    rival = okr.cycle_create(
        workspace=other_workspace,
        name="Rival Q1",
        start=printed.start,
        end=printed.end,
        actor=None,
    )
    client.force_login(owner_user)
    assert client.get(f"/w/acme/cycles/{rival.pk}/export/pdf/").status_code == 404
    assert client.get(f"/w/rival/cycles/{printed.pk}/export/pdf/").status_code == 404
    assert Cycle.objects.count() == 2


def test_the_cycle_pdf_does_the_same_queries_for_2_and_20_objectives(
    client, owner_user, workspace, quarter, owner, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team = ws_services.team_create(workspace=workspace, name="Support", actor=None)

    def grow(n):
        for i in range(n):
            o = okr.objective_create(
                workspace=workspace,
                cycle=quarter,
                title=f"O{i}",
                level="team",
                owner=owner,
                teams=[team],
                actor=None,
            )
            for j in range(2):
                kr = okr.key_result_create(
                    objective=o, title=f"KR{i}.{j}", start=0, target=10, owner=owner, actor=None
                )
                okr.checkin_create(key_result=kr, date=quarter.start, value=j, actor=None)

    client.force_login(owner_user)
    url = f"/w/acme/cycles/{quarter.pk}/export/pdf/"
    grow(2)
    client.get(f"/w/acme/cycles/{quarter.pk}/")  # the workspace, remembered in the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    grow(18)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_present_mode_has_a_slide_per_objective(client, owner_user, objective, key_result, quarter):
    client.force_login(owner_user)
    html = client.get(f"/w/acme/cycles/{quarter.pk}/present/").content.decode()
    assert html.count('class="slide"') == 1 and "Customers love our onboarding" in html
    assert "present.js" in html
