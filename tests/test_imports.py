"""Spreadsheet import: upload, column mapping, preview with row/column errors, error file,
and an all-or-nothing import through the worker."""

import csv
import datetime as dt
import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from waypoint.imports import plans, tables
from waypoint.imports.models import Upload
from waypoint.kpis import services as kpi_services
from waypoint.kpis.models import DataPoint
from waypoint.okrs import exports
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn, KeyResult, Objective
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry


def press_import(client, upload, **options):
    """Press "Import": the job runs once the request's transaction commits, as in the worker."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(f"/w/acme/import/{upload.pk}/run/", **options)


def csv_file(rows, name="okrs.csv", delimiter=","):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, name="okrs.xlsx"):
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


@pytest.fixture
def logged_in(client, owner_user, workspace):
    client.force_login(owner_user)
    return client


def upload(client, file, kind="okrs", **extra):
    response = client.post("/w/acme/import/", {"kind": kind, "file": file, **extra})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Upload.objects.latest("pk")


def post_mapping(client, up, mapping, **extra):
    data = {f"col_{k}": "" if v is None else str(v) for k, v in mapping.items()}
    return client.post(f"/w/acme/import/{up.pk}/", {**data, **extra})


OKR_HEADER = ["Objective", "Key result", "Type", "Start", "Target", "Unit", "Owner", "Current"]


# --- Tables and guessing --------------------------------------------------------------------


def test_column_letters_follow_the_spreadsheet():
    assert [tables.column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]


def test_csv_with_semicolons_and_a_bom_is_read():
    data = "\ufeffDate;Value\n2026-01-05;12,5\n".encode()
    table = tables.read("points.csv", data)
    assert table.header == ["Date", "Value"] and table.rows == [["2026-01-05", "12,5"]]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.csv", b"", "empty"),
        ("a.csv", "Дата;Значение\n".encode("cp1251"), "UTF-8"),
        ("a.xlsx", b"not a zip", "XLSX"),
        ("a.xls", b"\xd0\xcf\x11\xe0", "xls"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(name, data, message):
    with pytest.raises(tables.TableError, match=message):
        tables.read(name, data)


def test_the_exports_own_columns_are_recognised_in_every_language():
    for lang in ("en", "ru", "zh-hans", "pl"):
        with translation.override(lang):
            header = [label for _key, label in exports.columns()]
        mapping = plans.guess(plans.OKRS, header)
        keys = {key for key, _label in exports.columns()}
        for field in plans.okr_fields():
            if field.key in keys:
                assert mapping[field.key] == header.index(
                    header[[k for k, _l in exports.columns()].index(field.key)]
                ), (lang, field.key)


# --- OKRs -----------------------------------------------------------------------------------


def test_okrs_are_imported_after_mapping_and_preview(logged_in, workspace, quarter, owner):
    ws_services.team_create(workspace=workspace, name="Support", actor=None)
    rows = [
        [*OKR_HEADER, "Teams"],
        [
            "Delight new customers",
            "Raise NPS from 40 to 60",
            "increase",
            "40",
            "60",
            "",
            "owner@acme.test",
            "45",
            "Support",
        ],
        [
            "Delight new customers",
            "Cut first reply time to 2 h",
            "Уменьшить",
            "8",
            "2",
            "h",
            "",
            "",
            "",
        ],
        ["Ship the mobile app", "App in both stores", "milestone", "", "", "", "", "", ""],
    ]
    up = upload(logged_in, csv_file(rows), cycle=quarter.pk)
    page = logged_in.get(f"/w/acme/import/{up.pk}/")
    assert page.status_code == 200
    # The header was recognised: the selects come preselected.
    assert up.mapping["objective"] == 0 and up.mapping["target"] == 4 and up.mapping["teams"] == 8
    response = post_mapping(logged_in, up, up.mapping, cycle=quarter.pk)
    assert response.status_code == 302
    preview = logged_in.get(f"/w/acme/import/{up.pk}/preview/")
    text = preview.content.decode()
    assert preview.status_code == 200 and 'data-action="confirm-import"' in text
    assert Objective.objects.count() == 0  # a preview writes nothing
    response = press_import(logged_in, up)
    assert response.status_code == 302
    up.refresh_from_db()
    assert up.status == Upload.Status.DONE and up.data == b""
    assert up.result["counts"]["objectives_new"] == 2 and up.result["counts"]["krs_new"] == 3
    delight = Objective.objects.get(title="Delight new customers")
    assert delight.cycle == quarter and delight.owner == owner
    assert [t.name for t in delight.teams.all()] == ["Support"]
    cut = KeyResult.objects.get(title__startswith="Cut")
    assert cut.type == "decrease" and cut.start == 8 and cut.target == 2 and cut.unit == "h"
    nps = KeyResult.objects.get(title__startswith="Raise")
    assert CheckIn.objects.get(key_result=nps).value == 45
    status = logged_in.get(f"/w/acme/import/{up.pk}/status/").content.decode()
    assert "Imported." in status


def test_errors_name_row_and_column_and_nothing_is_written(logged_in, quarter):
    rows = [
        OKR_HEADER,
        ["Delight new customers", "Raise NPS from 40 to 60", "increase", "40", "sixty", "", "", ""],
        ["Delight new customers", "Grow", "increase", "10", "5", "", "nobody@acme.test", ""],
        ["", "Orphan KR", "increase", "0", "1", "", "", ""],
    ]
    up = upload(logged_in, xlsx_file(rows), cycle=quarter.pk)
    preview = logged_in.get(f"/w/acme/import/{up.pk}/preview/").content.decode()
    assert "confirm-import" not in preview
    assert "E (Target)" in preview and "sixty" in preview
    errors = list(
        csv.reader(
            io.StringIO(
                logged_in.get(f"/w/acme/import/{up.pk}/errors.csv").content.decode("utf-8-sig")
            )
        )
    )
    assert errors[0] == ["Row", "Column", "Value", "Problem"]
    found = {(e[0], e[1]) for e in errors[1:]}
    assert ("2", "E (Target)") in found  # not a number
    assert ("3", "E (Target)") in found  # an increase needs a target above its start
    assert ("3", "G (Owner)") in found  # not a member
    assert ("4", "A (Objective)") in found  # no objective
    # Importing anyway is refused.
    response = press_import(logged_in, up, follow=True)
    assert "Fix the errors first" in response.content.decode()
    assert not Objective.objects.exists() and not KeyResult.objects.exists()
    up.refresh_from_db()
    assert up.status == Upload.Status.NEW


def test_the_error_file_neutralises_formulas(logged_in, quarter):
    rows = [["Objective", "Target", "Key result"], ["Grow", "=HYPERLINK(1)", "KR"]]
    up = upload(logged_in, csv_file(rows), cycle=quarter.pk)
    body = logged_in.get(f"/w/acme/import/{up.pk}/errors.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body


def test_a_required_field_left_unmapped_is_named(logged_in, quarter):
    up = upload(logged_in, csv_file([["Title", "Goal"], ["a", "b"]]), cycle=quarter.pk)
    assert up.mapping["objective"] is None
    response = post_mapping(logged_in, up, {"objective": None, "key_result": 1})
    assert response.status_code == 422 and "This field is required" in response.content.decode()
    response = post_mapping(logged_in, up, {"objective": 0, "key_result": 0})
    assert response.status_code == 422
    assert "already chosen for another field" in response.content.decode()


def test_an_exported_cycle_comes_back_unchanged_and_edits_are_applied(
    logged_in, workspace, quarter, objective, key_result, owner_user, owner
):
    parent_cycle = okr.cycle_create(
        workspace=workspace,
        name="2026",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
        kind="year",
        actor=None,
    )
    parent = okr.objective_create(
        workspace=workspace, cycle=parent_cycle, title="Best onboarding in the market", actor=None
    )
    okr.objective_update(objective=objective, parent=parent, actor=None)
    okr.checkin_create(key_result=key_result, date=dt.date(2026, 1, 10), value=58, actor=None)
    rows = exports.cycle_rows(quarter)
    data = exports.to_xlsx(rows, quarter.name)
    before = AuditEntry.objects.exclude(action__startswith="import.").count()
    up = upload(logged_in, SimpleUploadedFile("cycle.xlsx", data), cycle=quarter.pk)
    post_mapping(logged_in, up, up.mapping, cycle=quarter.pk)
    press_import(logged_in, up)
    up.refresh_from_db()
    assert up.status == Upload.Status.DONE, up.result
    assert up.result["counts"]["objectives_updated"] == 1
    assert up.result["counts"]["checkins"] == 0
    assert AuditEntry.objects.exclude(action__startswith="import.").count() == before
    objective.refresh_from_db()
    assert objective.why and objective.parent == parent  # what the sheet does not say stays

    # Now change the target and the current value in the spreadsheet.
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index("Target") + 1, value=70)
    sheet.cell(row=2, column=header.index("Current") + 1, value=61)
    out = io.BytesIO()
    book.save(out)
    up = upload(logged_in, SimpleUploadedFile("cycle.xlsx", out.getvalue()), cycle=quarter.pk)
    post_mapping(logged_in, up, up.mapping, cycle=quarter.pk)
    press_import(logged_in, up)
    key_result.refresh_from_db()
    assert key_result.target == 70
    latest = CheckIn.objects.filter(key_result=key_result).latest("date", "id")
    assert latest.value == 61 and latest.author == owner
    objective.refresh_from_db()
    assert objective.parent == parent


def test_aligns_to_names_an_objective_id(logged_in, workspace, quarter):
    okr.objective_create(workspace=workspace, cycle=quarter, title="Company", ref="C1", actor=None)
    rows = [
        ["Objective id", "Objective", "Aligns to"],
        ["T1", "Team goal", "C1"],
        ["T2", "Other", "X9"],
    ]
    up = upload(logged_in, csv_file(rows), cycle=quarter.pk)
    plan = logged_in.get(f"/w/acme/import/{up.pk}/preview/").content.decode()
    assert "No objective has this id" in plan and "C (Aligns to)" in plan
    up = upload(logged_in, csv_file(rows[:2]), cycle=quarter.pk)
    press_import(logged_in, up)
    assert Objective.objects.get(ref="T1").parent.ref == "C1"


# --- KPI data points ------------------------------------------------------------------------


@pytest.fixture
def kpis(workspace):
    return [
        kpi_services.kpi_create(workspace=workspace, name=name, actor=None)
        for name in ("Leads", "Revenue")
    ]


def test_data_points_of_several_kpis_are_imported(logged_in, kpis):
    leads, revenue = kpis
    kpi_services.data_points_record(kpi=leads, rows=[(dt.date(2026, 1, 5), 10)], actor=None)
    rows = [
        ["Metric", "Day", "Amount"],
        ["Leads", "05.01.2026", "12"],
        ["leads", "2026-01-12", "14"],
        ["Revenue", "12.01.2026", "1 234,5"],
    ]
    up = upload(logged_in, csv_file(rows, "points.csv", ";"), kind="data_points")
    assert up.mapping == {"kpi": None, "date": None, "value": None}
    post_mapping(logged_in, up, {"kpi": 0, "date": 1, "value": 2})
    preview = logged_in.get(f"/w/acme/import/{up.pk}/preview/").content.decode()
    assert "confirm-import" in preview
    press_import(logged_in, up)
    up.refresh_from_db()
    assert up.result["counts"] == {"kpis": 2, "new": 2, "replaced": 1, "unchanged": 0}
    assert DataPoint.objects.get(kpi=revenue).value == 1234.5
    assert DataPoint.objects.get(kpi=leads, date=dt.date(2026, 1, 5)).value == 12


def test_data_point_errors_name_row_and_column(logged_in, kpis):
    rows = [
        ["KPI", "Date", "Value"],
        ["Leads", "2026-01-05", "12"],
        ["Leads", "2026-01-05", "13"],
        ["Churn", "2026-01-05", "1"],
        ["Leads", "yesterday", "1"],
        ["Revenue", "2026-01-06", "lots"],
    ]
    up = upload(logged_in, csv_file(rows, "p.csv"), kind="data_points")
    post_mapping(logged_in, up, up.mapping)
    body = logged_in.get(f"/w/acme/import/{up.pk}/errors.csv").content.decode("utf-8-sig")
    errors = {(r[0], r[1]) for r in csv.reader(io.StringIO(body))}
    assert {("3", "B (Date)"), ("4", "A (KPI)"), ("5", "B (Date)"), ("6", "C (Value)")} <= errors
    press_import(logged_in, up)
    assert not DataPoint.objects.exists()


def test_a_failure_before_the_first_chunk_is_committed_writes_nothing(logged_in, kpis, monkeypatch):
    rows = [["KPI", "Date", "Value"], ["Leads", "2026-01-05", "1"], ["Revenue", "2026-01-05", "2"]]
    up = upload(logged_in, csv_file(rows, "p.csv"), kind="data_points")
    real = kpi_services.data_points_record

    def flaky(**kwargs):
        real(**kwargs)
        raise RuntimeError("disk full")  # after the rows, inside the chunk's transaction

    monkeypatch.setattr(kpi_services, "data_points_record", flaky)
    press_import(logged_in, up)  # the worker logs the error
    assert not DataPoint.objects.exists()
    up.refresh_from_db()
    assert up.status == Upload.Status.FAILED and "nothing was written" in up.result["errors"][0]


def test_a_killed_import_goes_on_from_the_next_chunk_and_writes_each_row_once(
    logged_in, kpis, monkeypatch
):
    """The worker dies in the third chunk: two chunks stay, and the job taken over writes the
    rest; every point once, and one audit row per chunk, as if nothing had happened."""
    from waypoint.imports import services as import_services

    monkeypatch.setattr(import_services, "CHUNK_POINTS", 10)
    start = dt.date(2026, 1, 1)
    rows = [["KPI", "Date", "Value"]] + [
        [name, (start + dt.timedelta(days=i)).isoformat(), str(i)]
        for name in ("Leads", "Revenue")
        for i in range(25)
    ]
    up = upload(logged_in, csv_file(rows, "p.csv"), kind="data_points")
    post_mapping(logged_in, up, up.mapping)
    Upload.objects.filter(pk=up.pk).update(status=Upload.Status.RUNNING)
    real = kpi_services.data_points_record
    calls = []

    def killed(**kwargs):
        calls.append(1)
        real(**kwargs)
        if len(calls) == 3:
            raise KeyboardInterrupt  # as good as kill -9 for this transaction: rolled back

    monkeypatch.setattr(kpi_services, "data_points_record", killed)
    up.refresh_from_db()
    with pytest.raises(KeyboardInterrupt):
        import_services.upload_run(upload=up, today=dt.date(2026, 6, 1))
    up.refresh_from_db()
    assert up.written == 2 and up.status == Upload.Status.RUNNING
    assert DataPoint.objects.count() == 20
    audit_rows = AuditEntry.objects.filter(action="data_point.create").count()
    monkeypatch.setattr(kpi_services, "data_points_record", real)
    done = import_services.upload_run(upload=up, today=dt.date(2026, 6, 1))
    assert done.status == Upload.Status.DONE and done.written == 6
    assert done.result["chunks"] == 6
    assert DataPoint.objects.count() == 50
    assert sorted(DataPoint.objects.filter(kpi=kpis[1]).values_list("value", flat=True)) == [
        float(i) for i in range(25)
    ]
    # One audit row for each of chunks 3 to 6.
    assert AuditEntry.objects.filter(action="data_point.create").count() == audit_rows + 4


def test_a_large_okr_import_holds_the_write_lock_under_a_second_per_chunk(
    logged_in, workspace, quarter
):
    """600 objectives with 2 key results each, children listed before their parents and
    aligned across chunks: written in short transactions, every alignment right."""
    header = ["Objective id", "Objective", "Aligns to", "Key result", "Start", "Target"]
    rows = [header]
    for i in range(600):
        parent = f"O{i + 300}" if i < 300 else ""
        for k in range(2):
            rows.append([f"O{i}", f"Objective {i}", parent, f"KR {i}.{k}", "0", "10"])
    up = upload(logged_in, csv_file(rows), cycle=quarter.pk)
    post_mapping(logged_in, up, up.mapping, cycle=quarter.pk)
    press_import(logged_in, up)
    up.refresh_from_db()
    assert up.status == Upload.Status.DONE, up.result
    assert up.result["chunks"] >= 30
    from django.db import connection

    if connection.vendor == "sqlite":  # the one database whose writers wait on a file lock
        # The chunk's own work, which its size decides: about 0.3 s. Its wall time is the
        # same on an idle machine, and up to four times that when the suite's other process
        # runs a demo server beside it, which says nothing about the chunk.
        assert up.result["longest_chunk_cpu_ms"] < 1000, up.result
    assert Objective.objects.filter(cycle=quarter).count() == 600
    assert KeyResult.objects.filter(objective__cycle=quarter).count() == 1200
    pairs = dict(Objective.objects.filter(parent__isnull=False).values_list("ref", "parent__ref"))
    assert len(pairs) == 300 and pairs["O0"] == "O300" and pairs["O299"] == "O599"


def test_ten_thousand_points_import_with_progress(logged_in, kpis):
    start = dt.date(2000, 1, 1)
    rows = [["Date", "Value"]] + [
        [(start + dt.timedelta(days=i)).isoformat(), str(i)] for i in range(10_000)
    ]
    up = upload(logged_in, csv_file(rows, "big.csv"), kind="data_points", kpi=kpis[0].pk)
    post_mapping(logged_in, up, up.mapping, kpi=kpis[0].pk)
    heard = []
    from waypoint.imports import tasks

    real_put = tasks.HUEY.put

    def spy(key, value):
        heard.append(value)
        return real_put(key, value)

    tasks.HUEY.put = spy
    try:
        began = time.perf_counter()
        press_import(logged_in, up)
        took = time.perf_counter() - began
    finally:
        tasks.HUEY.put = real_put
    assert DataPoint.objects.filter(kpi=kpis[0]).count() == 10_000
    assert heard[-1] == (10_000, 10_000) and len(heard) == 2
    assert took < 30, took


def test_the_status_page_shows_progress_while_running(logged_in, kpis):
    up = upload(logged_in, csv_file([["Date", "Value"], ["2026-01-05", "1"]]), kind="data_points")
    Upload.objects.filter(pk=up.pk).update(status=Upload.Status.RUNNING)
    from waypoint.imports import tasks

    tasks.HUEY.put(tasks.progress_key(up.pk), (500, 2000))
    try:
        page = logged_in.get(f"/w/acme/import/{up.pk}/status/", HTTP_HX_REQUEST="true")
    finally:
        tasks.HUEY.get(tasks.progress_key(up.pk))
    text = page.content.decode()
    assert 'hx-trigger="every 1s"' in text and "500 of 2000" in text and "width: 25%" in text


# --- Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "expected"), [("editor", 200), ("member", 403), ("viewer", 403)])
def test_importing_needs_the_editor_role(client, workspace, django_user_model, role, expected):
    user = django_user_model.objects.create_user(email=f"{role}@acme.test", password="x-12345-y")
    ws_services.member_add(workspace=workspace, user=user, role=role, actor=None)
    client.force_login(user)
    assert client.get("/w/acme/import/").status_code == expected


def test_another_workspaces_upload_is_a_404(client, logged_in, other_workspace, quarter):
    up = upload(logged_in, csv_file([["Objective"], ["A"]]), cycle=quarter.pk)
    outsider = other_workspace.members.get().user
    client.force_login(outsider)
    for suffix in ("", "preview/", "errors.csv", "status/"):
        assert client.get(f"/w/rival/import/{up.pk}/{suffix}").status_code == 404
    assert client.post(f"/w/rival/import/{up.pk}/run/").status_code == 404
    assert client.get(f"/w/acme/import/{up.pk}/").status_code == 404


def test_a_cycle_of_another_workspace_cannot_be_chosen(logged_in, other_workspace):
    rival_cycle = okr.cycle_create(
        workspace=other_workspace,
        name="R",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        actor=None,
    )
    response = logged_in.post(
        "/w/acme/import/",
        {"kind": "okrs", "file": csv_file([["Objective"], ["A"]]), "cycle": rival_cycle.pk},
    )
    assert response.status_code == 422 and not Upload.objects.exists()
