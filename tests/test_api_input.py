"""Bad input to the API is a 4xx naming the problem, in problem-details JSON, never a 5xx:
integers past 64 bits, NaN and Infinity, dates outside 1900-2200, oversized bodies."""

import io
import json
import time
import zipfile

import pytest

from waypoint.kpis.models import Kpi
from waypoint.okrs.models import CheckIn
from waypoint.workspaces import services as ws_services

HUGE = 2**64


@pytest.fixture
def token(owner):
    return ws_services.token_create(member=owner, name="ci", scope="write", actor=None)[1]


def call(client, method, path, token, body=None, raw=None, **extra):
    kwargs = {"HTTP_AUTHORIZATION": f"Bearer {token}", **extra}
    if body is not None or raw is not None:
        kwargs.update(data=raw if raw is not None else json.dumps(body))
        kwargs["content_type"] = "application/json"
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


def problem(response, status):
    assert response.status_code == status, response.content[:400]
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body["detail"]


@pytest.mark.parametrize(
    "path",
    [
        f"/objectives?limit={HUGE}",
        f"/objectives?offset={HUGE}",
        f"/objectives?owner_id={HUGE}",
        f"/objectives/{HUGE}",
        f"/key-results?objective_id={HUGE}",
        f"/check-ins?key_result_id={HUGE}",
        f"/kpis/{HUGE}/data-points",
        f"/annotations?kpi_id={HUGE}",
        f"/reports/{HUGE}",
        "/objectives?limit=0",
        "/objectives?offset=-1",
    ],
)
def test_integers_out_of_range_are_a_422(client, token, path):
    problem(call(client, "get", path, token), 422)


def test_nan_and_infinity_are_refused_naming_the_field(client, token, key_result):
    for raw in (
        '{"name": "x", "target": NaN}',
        '{"name": "x", "warning": Infinity}',
        '{"name": "x", "critical": -Infinity}',
        '{"name": "x", "target": 1e309}',
    ):
        detail = problem(call(client, "post", "/kpis", token, raw=raw), 422)
        assert "body.payload." in detail and "finite" in detail
    assert not Kpi.objects.exists()
    raw = json.dumps({"key_result_id": key_result.pk})[:-1] + ', "value": NaN}'
    problem(call(client, "post", "/check-ins", token, raw=raw), 422)
    assert not CheckIn.objects.exists()


def test_nan_and_infinity_in_a_bulk_push_are_refused_naming_the_row(client, token, owner):
    kpi = Kpi.objects.create(workspace=owner.workspace, name="Visits", owner=owner)
    for bad in ("NaN", "Infinity", "-Infinity"):
        raw = f'[{{"date": "2026-01-01", "value": 1}}, {{"date": "2026-01-02", "value": {bad}}}]'
        detail = json.dumps(
            problem(call(client, "post", f"/kpis/{kpi.pk}/data-points", token, raw=raw), 422)
        )
        assert "1" in detail and "value" in detail
    assert not kpi.data_points.exists()


def test_dates_outside_1900_to_2200_are_refused(client, token, key_result, owner):
    far = {"key_result_id": key_result.pk, "value": 60, "date": "9999-12-31"}
    assert "date" in problem(call(client, "post", "/check-ins", token, far), 422)
    report = {"title": "Forever", "period_start": "2026-01-01", "period_end": "9999-12-31"}
    assert "period_end" in problem(call(client, "post", "/reports", token, report), 422)
    kpi = Kpi.objects.create(workspace=owner.workspace, name="Visits", owner=owner)
    points = [{"date": "2026-01-01", "value": 1}, {"date": "1066-10-14", "value": 2}]
    problem(call(client, "post", f"/kpis/{kpi.pk}/data-points", token, points), 422)
    assert not kpi.data_points.exists() and not CheckIn.objects.exists()


def test_the_web_forms_refuse_far_dates_too(client, owner_user, key_result, quarter):
    from waypoint.okrs import services as okr

    client.force_login(owner_user)
    with pytest.raises(Exception, match="between 1900 and 2200"):
        okr.checkin_create(
            key_result=key_result,
            date=__import__("datetime").date(9999, 12, 31),
            value=60,
            actor=None,
        )
    response = client.post(
        "/w/acme/cycles/new/",
        {"name": "Forever", "start": "2026-01-01", "end": "9999-12-31", "kind": "custom"},
    )
    assert response.status_code in (200, 422)
    assert "between 1900 and 2200" in response.content.decode()


def test_a_body_past_the_limit_is_refused_before_it_is_read(client, token, settings):
    response = call(client, "post", "/kpis", token, raw="{}", CONTENT_LENGTH=str(10**9))
    assert "larger than" in problem(response, 413)
    response = client.post("/accounts/login/", {"login": "x"}, CONTENT_LENGTH=str(10**9))
    assert response.status_code == 413


def test_malformed_and_deep_json_is_a_400(client, token):
    problem(call(client, "post", "/kpis", token, raw="{"), 400)
    problem(call(client, "post", "/kpis", token, raw="[" * 50_000 + "]" * 50_000), 400)


def _zip_bomb() -> bytes:
    """An XLSX-shaped archive whose sheet unpacks to 250 MB of zeros (about 250 KB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(250):
                member.write(block)
    return out.getvalue()


def test_a_zip_bomb_is_refused_within_a_second(client, owner_user, workspace, owner):
    import resource

    bomb = _zip_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    client.force_login(owner_user)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    upload = io.BytesIO(bomb)
    upload.name = "okrs.xlsx"
    response = client.post("/w/acme/import/", {"kind": "okrs", "file": upload})
    assert time.monotonic() - started < 1.0
    assert response.status_code == 422
    assert "unpacks to more than 200 MB" in response.content.decode()
    kpi = Kpi.objects.create(workspace=workspace, name="Visits", owner=owner)
    upload = io.BytesIO(bomb)
    upload.name = "points.xlsx"
    started = time.monotonic()
    response = client.post(f"/w/acme/kpis/{kpi.pk}/data/upload/", {"file": upload})
    assert time.monotonic() - started < 1.0
    assert response.status_code == 422 and "unpacks to more than" in response.content.decode()
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 200


def test_a_sheet_claiming_a_huge_size_is_read_to_its_columns_only():
    from openpyxl import Workbook

    from waypoint.imports import tables

    book = Workbook()
    sheet = book.active
    sheet.append(["Objective", "Key result"])
    sheet.append(["Customers love us", "NPS 55 to 66"])
    sheet.cell(row=2, column=16000, value="far away")
    data = io.BytesIO()
    book.save(data)
    table = tables.read("okrs.xlsx", data.getvalue())
    assert len(table.header) == tables.MAX_COLUMNS


def test_server_errors_and_busy_answers_are_problem_json_too(client, token, monkeypatch):
    from django.db import OperationalError

    from waypoint.api import resources

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(resources.okr_selectors, "visible_objectives", broken)
    response = call(client, "get", "/objectives", token)
    assert "logged" in problem(response, 500)

    def busy(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(resources.okr_selectors, "visible_objectives", busy)
    response = call(client, "get", "/objectives", token)
    assert "busy" in problem(response, 503) and response["Retry-After"] == "5"


def test_the_openapi_document_lists_every_error_answer(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            codes = set(op["responses"])
            assert {"400", "401", "403", "404", "409", "422", "429"} <= codes, (method, path)
