"""A spreadsheet import in a real browser: upload, fix a column, see the error, download
the error file, upload a corrected file and import; the phone layout does not scroll sideways."""

import datetime as dt

import pytest

from tests.conftest import verified
from waypoint.kpis import services as kpi_services
from waypoint.kpis.models import DataPoint

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(db, django_user_model):
    from waypoint.workspaces import services as ws_services

    user = verified(
        django_user_model.objects.create_user(
            email="olivia@acme.test", password="a-Long-pass-2026", full_name="Olivia Owner"
        )
    )
    ws = ws_services.workspace_create(name="Acme", slug="acme", owner=user, actor=user)
    leads = kpi_services.kpi_create(workspace=ws, name="Leads", actor=user)
    kpi_services.kpi_create(workspace=ws, name="Revenue", actor=user)
    return {"user": user, "leads": leads}


def upload_and_map(page, base, path, body):
    path.write_text("Week;Metric;Amount\n" + body + "\n")
    page.goto(base + "/w/acme/import/?kind=data_points")
    page.set_input_files("input[name=file]", str(path))
    with page.expect_navigation():
        page.click("[data-action=upload]")
    # Nothing in this header is recognised: the person chooses the columns.
    page.select_option("select[name=col_date]", label="A (Week)")
    page.select_option("select[name=col_kpi]", label="B (Metric)")
    page.select_option("select[name=col_value]", label="C (Amount)")
    with page.expect_navigation():
        page.click("[data-action=map]")


def test_kpi_data_from_a_spreadsheet_with_a_mapping(page, live_server, setup, tmp_path):
    base = live_server.url
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "olivia@acme.test")
    page.fill("input[name=password]", "a-Long-pass-2026")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    upload_and_map(
        page, base, tmp_path / "numbers.csv", "05.01.2026;Leads;12\n12.01.2026;Leads;n/a"
    )
    errors = page.locator("#import-errors")
    assert "C (Amount)" in errors.inner_text() and "n/a" in errors.inner_text()
    assert page.locator("[data-action=confirm-import]").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    with page.expect_download() as download:
        page.click("[data-action=error-file]")
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert "3,C (Amount),n/a," in text

    upload_and_map(page, base, tmp_path / "fixed.csv", "05.01.2026;Leads;12\n12.01.2026;Leads;15,5")
    with page.expect_navigation():
        page.click("[data-action=confirm-import]")
    page.wait_for_selector("text=Imported.")
    points = DataPoint.objects.filter(kpi=setup["leads"]).order_by("date")
    assert [(p.date, p.value) for p in points] == [
        (dt.date(2026, 1, 5), 12.0),
        (dt.date(2026, 1, 12), 15.5),
    ]
