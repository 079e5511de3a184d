"""CSV by address against a local server: a published Google Sheet's CSV with a header,
columns chosen by name, the first two columns by default, and pages that are not CSV."""

import datetime as dt

import pytest

from tests.vendors import connect, pull, values
from waypoint.kpis.models import Kpi

SHEET = "/spreadsheets/d/e/2PACX-1/pub"


@pytest.fixture
def kpi(workspace, owner):
    return Kpi.objects.create(workspace=workspace, name="Leads", owner=owner)


def csv_answer(text):
    return lambda req: (200, text.encode(), {"Content-Type": "text/csv"})


def test_a_published_sheet_by_column_names(kpi, vendor):
    vendor.route("GET", SHEET)(
        csv_answer('Date,Visitors,Leads\n2026-11-01,1200,31\n2026-11-02,1350,"1,5"\n')
    )
    source = connect(
        kpi,
        "csv_url",
        url=vendor.url + SHEET + "?output=csv",
        date_column="Date",
        value_column="leads",
    )
    assert pull(source), source.last_error
    assert values(kpi) == [(dt.date(2026, 11, 1), 31), (dt.date(2026, 11, 2), 1.5)]
    assert vendor.calls(SHEET)[0].query == {"output": "csv"}


def test_the_first_two_columns_by_default_with_semicolons(kpi, vendor):
    vendor.route("GET", SHEET)(csv_answer("day;value\n01.11.2026;10\n02.11.2026;12,5\n"))
    assert pull(connect(kpi, "csv_url", url=vendor.url + SHEET))
    assert values(kpi) == [(dt.date(2026, 11, 1), 10), (dt.date(2026, 11, 2), 12.5)]


@pytest.mark.parametrize(
    ("body", "chosen", "says"),
    [
        ("<!DOCTYPE html><html>Sign in</html>", {}, "a web page, not CSV"),
        ("Date,Leads\n2026-11-01,31\n", {"value_column": "Revenue"}, "no column “Revenue”"),
        ("Date,Leads\n2026-11-01,31\nsoon,4\n", {"value_column": "Leads"}, "is not a date"),
    ],
)
def test_what_is_not_readable_is_named_and_writes_nothing(kpi, vendor, body, chosen, says):
    vendor.route("GET", SHEET)(csv_answer(body))
    source = connect(kpi, "csv_url", url=vendor.url + SHEET, **chosen)
    assert not pull(source)
    assert says in source.last_error and values(kpi) == []
