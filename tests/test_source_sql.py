"""The SQL kind: a read-only query against a database the user owns (SQLite, PostgreSQL,
MySQL or MariaDB), pulled by the worker; failures are shown and retried."""

import datetime as dt
import sqlite3

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from waypoint.connectors import services
from waypoint.connectors.base import SourceError
from waypoint.connectors.kinds import sql as sources
from waypoint.connectors.models import Source
from waypoint.kpis.models import DataPoint, Kpi
from waypoint.lib import vault


@pytest.fixture
def shop(tmp_path, settings):
    settings.SOURCE_SQLITE_DIRS = [str(tmp_path)]
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as db:
        db.execute("create table orders (day text, amount real)")
        db.executemany(
            "insert into orders values (?, ?)",
            [("2026-11-16", 120.5), ("2026-11-17", 98.0), ("2026-11-18", 143.25)],
        )
    return f"sqlite:///{path}"


@pytest.fixture
def kpi(workspace, owner):
    return Kpi.objects.create(
        workspace=workspace,
        name="Revenue",
        owner=owner,
        frequency="daily",
        warning=100,
        critical=50,
    )


def source(kpi, url, query):
    found = Source.objects.filter(kpi=kpi).first()
    return services.source_save(
        workspace=kpi.workspace,
        kind="sql",
        values={"url": url, "query": query},
        kpi=kpi if found is None else None,
        source=found,
        actor=None,
    )


def pull(s, now=None):
    done = services.pull(s, now)
    s.refresh_from_db()
    return done


def test_rows_of_date_and_value_become_data_points(kpi, shop):
    s = source(kpi, shop, "select day, amount from orders order by day")
    assert pull(s)
    assert list(
        DataPoint.objects.filter(kpi=kpi).order_by("date").values_list("value", flat=True)
    ) == [120.5, 98.0, 143.25]
    s.refresh_from_db()
    assert s.last_count == 3 and s.last_error == "" and s.next_run_at > timezone.now()


def test_one_number_is_todays_value(kpi, shop):
    s = source(kpi, shop, "select sum(amount) from orders")
    assert pull(s)
    assert DataPoint.objects.get(kpi=kpi).value == pytest.approx(361.75)


def test_the_connection_is_read_only(kpi, shop):
    s = source(kpi, shop, "delete from orders")
    assert not pull(s)
    assert "readonly" in s.last_error.replace("-", "").replace(" ", "").lower()
    with sqlite3.connect(shop.removeprefix("sqlite:///")) as db:
        assert db.execute("select count(*) from orders").fetchone()[0] == 3


def test_a_failing_query_is_shown_and_retried_later(client, owner_user, kpi, shop):
    s = source(kpi, shop, "select nope from orders")
    before = timezone.now()
    assert not pull(s, before)
    s.refresh_from_db()
    assert s.failures == 1 and "nope" in s.last_error
    assert s.next_run_at == before + dt.timedelta(minutes=5)
    assert not Source.objects.filter(next_run_at__lte=before).exists()  # not due yet
    assert not pull(s, before + dt.timedelta(minutes=6))  # retried
    assert s.failures == 2 and s.next_run_at == before + dt.timedelta(minutes=16)
    client.force_login(owner_user)
    html = client.get(f"/w/acme/kpis/{kpi.pk}/").content.decode()
    assert "data-source-error" in html and "nope" in html


def test_a_slow_query_is_stopped(kpi, shop, monkeypatch):
    monkeypatch.setattr(sources, "TIMEOUT_SECONDS", 0.2)
    slow = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    s = source(kpi, shop, slow)
    assert not pull(s) and "interrupt" in s.last_error.lower()


def test_waypoints_own_database_cannot_be_a_source(kpi, settings):
    settings.SOURCE_SQLITE_DIRS = [str(settings.DATA_DIR.parent)]
    with pytest.raises(ValidationError, match="own data"):
        source(kpi, f"sqlite:///{settings.DATA_DIR}/waypoint.sqlite3", "select 1")
    with pytest.raises(SourceError):
        sources.check_url("oracle://x")


def test_an_error_names_the_row_and_kind_never_the_value(kpi, shop):
    with sqlite3.connect(shop.removeprefix("sqlite:///")) as db:
        db.execute("create table users (email text, password text)")
        db.execute("insert into users values ('anna@acme.test', 'pbkdf2_sha256$secret')")
    s = source(kpi, shop, "select password from users")
    assert not pull(s)
    assert s.last_error == "Row 1, column 1 is text, not a number."
    s = source(kpi, shop, "select email, password from users")
    assert not pull(s)
    assert "Row 1, column 1 is text, not a date" in s.last_error
    assert "anna" not in s.last_error and "pbkdf2" not in s.last_error


def test_a_query_returning_too_many_rows_is_refused(kpi, shop, monkeypatch):
    monkeypatch.setattr(sources, "MAX_ROWS", 2)
    s = source(kpi, shop, "select day, amount from orders")
    assert not pull(s) and "more than 2 rows" in s.last_error
    assert not DataPoint.objects.filter(kpi=kpi).exists()


def test_editors_set_a_source_on_the_kpi_page(
    client, owner_user, kpi, shop, teammate, django_capture_on_commit_callbacks
):
    client.force_login(owner_user)
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs the pull
        client.post(
            "/w/acme/sources/new/",
            {"kind": "sql", "kpi": kpi.pk, "url": shop, "query": "select 5", "every_minutes": "30"},
        )
    s = Source.objects.get(kpi=kpi)
    assert s.every_minutes == 30 and DataPoint.objects.get(kpi=kpi).value == 5
    # The URL is a credential: encrypted, and not in the page.
    assert shop not in s.secret and vault.decrypt(s.secret)["url"] == shop
    assert shop not in client.get(f"/w/acme/sources/{s.pk}/").content.decode()
    client.force_login(teammate.user)
    assert client.post(f"/w/acme/sources/{s.pk}/", {"action": "pull"}).status_code == 403


PG = "postgresql://postgres@127.0.0.1:5432/template1"


def _own_database_is_this_server():
    from django.conf import settings

    db = settings.DATABASES["default"]
    return db["ENGINE"].endswith("postgresql") and str(db.get("PORT") or 5432) == "5432"


def _pg_reachable():
    import psycopg

    try:
        psycopg.connect(PG, connect_timeout=2).close()
        return True
    except psycopg.Error:
        return False


@pytest.mark.skipif(not _pg_reachable(), reason="no PostgreSQL on 127.0.0.1:5432")
def test_a_postgresql_source_is_read_only_with_a_timeout(kpi, monkeypatch, settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    if _own_database_is_this_server():
        # The suite's own database lives on this server: the policy must refuse it.
        with pytest.raises(ValidationError, match="own database"):
            source(kpi, PG, "select 42")
        return
    s = source(kpi, PG, "select 42")
    assert pull(s) and DataPoint.objects.get(kpi=kpi).value == 42
    s = source(kpi, PG, "create table waypoint_should_not_exist (a int)")
    assert not pull(s) and "read-only" in s.last_error
    monkeypatch.setattr(sources, "TIMEOUT_SECONDS", 1)
    s = source(kpi, PG, "select pg_sleep(5)")
    assert not pull(s) and "timeout" in s.last_error.lower()


def test_a_refused_source_is_named_next_to_its_field(client, owner_user, kpi, settings):
    settings.SOURCE_SQLITE_DIRS = []
    client.force_login(owner_user)
    response = client.post(
        "/w/acme/sources/new/",
        {
            "kind": "sql",
            "kpi": kpi.pk,
            "url": "postgresql://me@10.0.0.5/shop",
            "query": "select 1",
            "every_minutes": "30",
        },
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert "10.0.0.5 is a private address" in html and 'name="query"' in html
    assert not Source.objects.filter(kpi=kpi).exists()


MY = "mysql://root@127.0.0.1:3306/waypoint_source_test"


def _mysql_reachable():
    import pymysql

    try:
        pymysql.connect(host="127.0.0.1", user="root", connect_timeout=2).close()
        return True
    except pymysql.MySQLError:
        return False


@pytest.fixture
def mariadb(settings):
    import pymysql

    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    conn = pymysql.connect(host="127.0.0.1", user="root", autocommit=True)
    with conn.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS waypoint_source_test")
        cur.execute("CREATE DATABASE waypoint_source_test")
        cur.execute("CREATE TABLE waypoint_source_test.orders (day DATE, amount DECIMAL(10,2))")
        cur.execute(
            "INSERT INTO waypoint_source_test.orders VALUES "
            "('2026-11-16', 120.5), ('2026-11-17', 98), ('2026-11-18', 143.25)"
        )
    yield MY
    with conn.cursor() as cur:
        cur.execute("DROP DATABASE IF EXISTS waypoint_source_test")
    conn.close()


@pytest.mark.skipif(not _mysql_reachable(), reason="no MariaDB on 127.0.0.1:3306")
def test_a_mariadb_source_reads_rows_read_only_with_a_timeout(kpi, mariadb, monkeypatch):
    s = source(kpi, mariadb, "select day, amount from orders order by day")
    assert pull(s), s.last_error
    assert list(
        DataPoint.objects.filter(kpi=kpi).order_by("date").values_list("value", flat=True)
    ) == [120.5, 98.0, 143.25]
    s = source(kpi, mariadb, "delete from orders")
    assert not pull(s) and "read-only" in s.last_error
    s = source(kpi, mariadb, "select nope from orders")
    assert not pull(s) and "nope" in s.last_error
    monkeypatch.setattr(sources, "TIMEOUT_SECONDS", 1)
    s = source(kpi, mariadb, "select sleep(5)")
    assert not pull(s) and "10" not in s.last_error and "stopped" in s.last_error
    s = source(kpi, mariadb.replace("root@", "root:wrong@"), "select 1")
    assert (not pull(s) and "refused" in s.last_error.lower()) or "denied" in s.last_error.lower()


def test_a_mysql_url_may_not_carry_connection_options(kpi, settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    with pytest.raises(ValidationError, match="local_infile"):
        source(kpi, "mysql://root@127.0.0.1/db?local_infile=1", "select 1")
