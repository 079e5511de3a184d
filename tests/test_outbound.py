"""The outbound policy: what a tenant types (a data source, a webhook, a Slack URL) never
reaches the server's own files, its loopback or private networks, or Waypoint's own
database, cache and queue, unless the operator allows it."""

import http.server
import os
import socket
import sqlite3
import threading
import time

import pytest
from django.core.exceptions import ValidationError

from waypoint import outbound
from waypoint.connectors import services
from waypoint.connectors.kinds import sql
from waypoint.integrations import services as hooks
from waypoint.workspaces import services as ws_services


def check_sql(url: str) -> None:
    """The SQL kind's check of a database URL, as a source's form runs it."""
    sql.validate({"url": url, "query": "select 1"})


class Server:
    """A local HTTP server that answers what ``handler(self)`` does."""

    def __init__(self, handle, host="127.0.0.1"):
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                outer.hits += 1
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                handle(self)

            do_GET = do_POST

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.port = self.server.server_port
        self.url = f"http://{host}:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def ok(h):
    h.send_response(204)
    h.end_headers()


@pytest.fixture
def server():
    s = Server(ok)
    yield s
    s.close()


def refused(message, call, *args):
    with pytest.raises(outbound.OutboundRefused, match=message):
        call(*args)


# --- Files ------------------------------------------------------------------------------------


def test_sqlite_files_are_refused_until_the_operator_allows_a_directory(tmp_path, settings):
    path = tmp_path / "shop.db"
    sqlite3.connect(path).close()
    settings.SOURCE_SQLITE_DIRS = []
    refused("not allowed as data sources", outbound.check_file, str(path))
    settings.SOURCE_SQLITE_DIRS = [str(tmp_path)]
    assert outbound.check_file(str(path)) == path.resolve()


def test_waypoints_own_database_is_refused_by_every_spelling(tmp_path, settings):
    own = settings.DATA_DIR / "waypoint.sqlite3"
    sqlite3.connect(own).close()
    # Even an operator who allows the whole disk does not open Waypoint's own data.
    settings.SOURCE_SQLITE_DIRS = ["/", str(tmp_path)]
    refused("own data", outbound.check_file, str(own))
    refused("own data", outbound.check_file, f"{settings.DATA_DIR}/../{settings.DATA_DIR.name}/x")
    link = tmp_path / "innocent.db"
    link.symlink_to(own)
    refused("own data", outbound.check_file, str(link))
    fd = os.open(own, os.O_RDONLY)
    try:
        # The worker's own open database file, as the worker would see it.
        refused("System files", outbound.check_file, f"/proc/self/fd/{fd}")
        with pytest.raises(ValidationError, match="System files"):
            check_sql(f"sqlite:////proc/self/fd/{fd}")
    finally:
        os.close(fd)
    refused("System files", outbound.check_file, "/proc/self/environ")
    refused("System files", outbound.check_file, "/dev/zero")
    refused("System files", outbound.check_file, "/sys/kernel/notes")


def test_files_outside_the_allowed_directories_and_symlinks_out_are_refused(tmp_path, settings):
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    secret = outside / "secret.db"
    sqlite3.connect(secret).close()
    settings.SOURCE_SQLITE_DIRS = [str(allowed)]
    refused("outside the directories", outbound.check_file, str(secret))
    refused("outside the directories", outbound.check_file, f"{allowed}/../outside/secret.db")
    (allowed / "link.db").symlink_to(secret)
    refused("outside the directories", outbound.check_file, str(allowed / "link.db"))


def test_a_saved_sqlite_source_is_checked_again_where_it_is_opened(
    tmp_path, settings, workspace, owner
):
    """A path that was fine when saved and then became a symlink to elsewhere is refused by
    the process that opens it."""
    from waypoint.kpis.models import DataPoint, Kpi

    settings.SOURCE_SQLITE_DIRS = [str(tmp_path / "ok")]
    (tmp_path / "ok").mkdir()
    path = tmp_path / "ok" / "shop.db"
    sqlite3.connect(path).close()
    kpi = Kpi.objects.create(workspace=workspace, name="Revenue", owner=owner)
    s = services.source_save(
        workspace=workspace,
        kind="sql",
        values={"url": f"sqlite:///{path}", "query": "select 1"},
        kpi=kpi,
        actor=None,
    )
    path.unlink()
    path.symlink_to(settings.DATA_DIR / "waypoint.sqlite3")
    assert not services.pull(s)
    assert "own data" in s.last_error and not DataPoint.objects.exists()


# --- Databases on the network -------------------------------------------------------------


@pytest.fixture
def own_postgres(settings):
    """Pretend Waypoint's own database is a PostgreSQL server on 127.0.0.1:5432."""
    settings.DATABASES = {
        "default": {**settings.DATABASES["default"], "ENGINE": "django.db.backends.postgresql"}
        | {"HOST": "127.0.0.1", "PORT": "5432", "NAME": "waypoint"}
    }
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8", "::1"]  # even an operator who opens loopback


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
@pytest.mark.parametrize(
    "url",
    [
        "postgresql://u@127.0.0.1:5432/waypoint",
        "postgresql://u@localhost/waypoint",
        "postgresql://u@[::1]:5432/waypoint",
        "postgresql://u@127.0.0.2:5432/waypoint",
        "postgresql://u@127.0.0.1:5432/%77aypoint",
        "postgresql://u@127.0.0.1:5432/other?dbname=waypoint",
        "postgres://u@0.0.0.0:5432/waypoint",
    ],
)
def test_waypoints_own_postgresql_is_refused_by_every_spelling(own_postgres, url):
    with pytest.raises(ValidationError, match="own database"):
        check_sql(url)


@pytest.mark.parametrize(
    "url, message",
    [
        ("postgresql://u@/waypoint?host=/var/run/postgresql", "one PostgreSQL server"),
        ("postgresql://u@h1,h2/db", "one PostgreSQL server"),
        ("postgresql://u@example.test/db?hostaddr=127.0.0.1", "hostaddr"),
        ("postgresql://u@example.test/db?passfile=/etc/shadow", "passfile"),
        ("postgresql://u@example.test/db?sslrootcert=/etc/shadow", "sslrootcert"),
        ("postgresql://u@example.test/db?service=x", "service"),
        ("postgresql://u@10.1.2.3/db", "private address"),
        ("postgresql://u@169.254.169.254/db", "link-local"),
    ],
)
def test_postgresql_urls_that_reach_around_the_policy_are_refused(url, message):
    with pytest.raises(ValidationError, match=message):
        check_sql(url)


def test_the_cache_and_queue_servers_are_refused(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.OUTBOUND_ALLOW = ["127.0.0.0/8"]
    refused("own database, cache and queue", outbound.check_url, "http://127.0.0.1:6379/")
    refused("own database, cache and queue", outbound.check_url, "http://localhost:6379/")
    assert outbound.check_url("http://127.0.0.1:6380/")[1] == 6380


# --- HTTP: webhooks, Slack, connectors --------------------------------------------------------


@pytest.mark.parametrize(
    "url, why",
    [
        ("http://127.0.0.1:8000/", "loopback"),
        ("http://localhost/", "loopback"),  # a name that resolves to loopback
        ("http://[::1]/", "loopback"),
        ("http://[::ffff:127.0.0.1]/", "loopback"),
        ("http://2130706433/", "loopback"),  # 127.0.0.1 as one number
        ("http://10.0.0.5/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://172.16.0.1/", "private"),
        ("http://100.64.0.1/", "shared"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1]/", "link-local"),
        ("http://224.0.0.1/", "multicast"),
        ("http://0.0.0.0/", "reserved"),
        ("http://240.0.0.1/", "reserved"),
    ],
)
def test_non_public_addresses_are_refused(url, why):
    refused(why, outbound.check_url, url)


def test_other_schemes_and_credentials_in_urls_are_refused():
    refused("http:// or https://", outbound.check_url, "file:///etc/passwd")
    refused("http:// or https://", outbound.check_url, "gopher://example.test/")
    refused("no user name", outbound.check_url, "http://user:pw@example.test/")
    refused("cannot be found", outbound.check_url, "http://no-such-host.invalid/")


def test_a_webhook_to_loopback_is_refused_when_saved_and_when_sent(
    server, settings, workspace, key_result, django_capture_on_commit_callbacks
):
    from waypoint.integrations.models import Delivery
    from waypoint.okrs import services as okr

    with pytest.raises(ValidationError, match="loopback"):
        hooks.webhook_create(
            workspace=workspace, url=server.url, events=["checkin.created"], actor=None
        )
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    hooks.webhook_create(
        workspace=workspace, url=server.url, events=["checkin.created"], actor=None
    )
    settings.OUTBOUND_ALLOW = []  # the operator changes their mind: checked at every attempt
    import datetime as dt

    with django_capture_on_commit_callbacks(execute=True):
        okr.checkin_create(key_result=key_result, date=dt.date(2026, 2, 1), value=60, actor=None)
    delivery = Delivery.objects.get()
    assert server.hits == 0 and delivery.status_code is None
    assert "loopback" in delivery.error


def test_an_allowed_local_server_is_reached(server, settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    assert outbound.post_json(server.url, b"{}") == 204 and server.hits == 1


def test_a_slack_url_on_a_private_address_is_refused(workspace):
    with pytest.raises(ValidationError) as caught:
        ws_services.workspace_update(
            workspace=workspace, slack_webhook_url="http://10.0.0.8/services/x", actor=None
        )
    assert "slack_webhook_url" in caught.value.message_dict


def test_a_redirect_to_a_refused_address_is_refused(settings):
    target = Server(ok, host="127.0.0.2")

    def redirect(h):
        h.send_response(307)
        h.send_header("Location", target.url)
        h.end_headers()

    first = Server(redirect)
    try:
        settings.OUTBOUND_ALLOW = ["127.0.0.1/32"]  # the first server only
        refused("127.0.0.2 is a loopback address", outbound.post_json, first.url, b"{}")
        assert first.hits == 1 and target.hits == 0
        settings.OUTBOUND_ALLOW = ["127.0.0.1/32", "127.0.0.2/32"]
        assert outbound.post_json(first.url, b"{}") == 204 and target.hits == 1
    finally:
        first.close()
        target.close()


def test_the_connection_goes_to_the_address_that_was_checked(server, settings, monkeypatch):
    """DNS rebinding: the name answers an allowed address when checked and a refused one
    afterwards; the connection goes to the first."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "10.255.255.1", "10.255.255.1"])

    def rebinding(host, *args, **kwargs):
        if host == "rebind.test":
            return real(next(answers), *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    url = f"http://rebind.test:{server.port}/hook"
    assert outbound.post_json(url, b"{}") == 204 and server.hits == 1


def test_answers_are_capped_in_size_and_time(settings):
    def huge(h):
        h.send_response(200)
        h.end_headers()
        h.wfile.write(b"x" * (outbound.MAX_RESPONSE_BYTES + 10))

    def slow(h):
        time.sleep(2)
        ok(h)

    big, late = Server(huge), Server(slow)
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    try:
        refused("larger than", outbound.request, "GET", big.url)
        started = time.monotonic()
        with pytest.raises(OSError):
            outbound.request("GET", late.url, timeout=0.5)
        assert time.monotonic() - started < 1.5
    finally:
        big.close()
        late.close()
