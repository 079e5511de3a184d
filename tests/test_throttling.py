"""Login throttling and API rate limits hold across server processes: two `waypoint serve`
processes share one data directory, and requests alternate between them.

Failed logins are counted per address and per account from that address, so an attacker
who fails five times locks only themselves out: the account's owner, from another address,
still logs in. The API answers 429 with Retry-After once a token or an address has spent
its minute, whichever process is asked.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest

TEST_ONLY_ENV = {"WAYPOINT_WORKER_IMMEDIATE", "WAYPOINT_MANIFEST_STATIC", "DATABASE_URL"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A cookie-keeping HTTP client that connects from a chosen loopback address."""

    def __init__(self, source: str = "127.0.0.1"):
        self.source, self.cookies = source, SimpleCookie()

    def request(self, port, method, path, form=None, headers=None):
        conn = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=20, source_address=(self.source, 0)
        )
        head = dict(headers or {})
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            head["Content-Type"] = "application/x-www-form-urlencoded"
            head["Referer"] = f"http://127.0.0.1:{port}/accounts/login/"
        conn.request(method, path, body=body, headers=head)
        response = conn.getresponse()
        for value in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(value)
        data = response.read().decode(errors="replace")
        conn.close()
        return response, data

    def log_in(self, port, email, password):
        _response, page = self.request(port, "GET", "/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request(
            port,
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "login": email, "password": password},
        )


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    data = tmp_path_factory.mktemp("throttle")
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_ENV}
    env.update(
        WAYPOINT_DATA_DIR=str(data),
        WAYPOINT_WEB_WORKERS="1",
        WAYPOINT_API_RATE_PER_TOKEN="10/m",
        WAYPOINT_API_RATE_PER_ADDRESS="15/m",
    )
    setup = """
from waypoint.cli import _setup; _setup()
from allauth.account.models import EmailAddress
from waypoint.workspaces import services as ws
from waypoint.workspaces.models import User
user = User.objects.create_user(email="vic@acme.test", password="the-Right-pass-2026")
EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
space = ws.workspace_create(name="Acme", slug="acme", owner=user, actor=user)
print(ws.token_create(member=space.members.get(), name="ci", scope="read", actor=None)[1])
print(ws.token_create(member=space.members.get(), name="ci-2", scope="read", actor=None)[1])
"""
    made = subprocess.run(
        [sys.executable, "-c", setup], env=env, capture_output=True, text=True, check=True
    )
    token, token_2 = made.stdout.strip().splitlines()[-2:]
    ports, procs = [_free_port(), _free_port()], []
    for port in ports:
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "waypoint.cli", "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        )
    try:
        for port in ports:
            deadline = time.monotonic() + 60
            while True:
                try:
                    Browser().request(port, "GET", "/healthz")
                    break
                except OSError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.3)
        yield {"ports": ports, "token": token, "token_2": token_2, "data": data}
    finally:
        for proc in procs:
            os.killpg(proc.pid, 15)
            proc.wait(timeout=30)


@pytest.mark.sqlite_pass_only  # two servers on SQLite, whatever DATABASE_URL says
def test_an_attacker_cannot_lock_the_owner_out_of_their_account(two_servers):
    a, b = two_servers["ports"]
    attacker = Browser("127.0.0.1")
    for attempt in range(5):
        _r, page = attacker.log_in((a, b)[attempt % 2], "vic@acme.test", f"guess-{attempt}")
        assert "Too many failed login attempts" not in page
    # The sixth try, on either process, is refused even with the right password.
    response, page = attacker.log_in(b, "vic@acme.test", "the-Right-pass-2026")
    assert response.status == 200 and "Too many failed login attempts" in page
    # The owner, from their own address, logs in at once.
    owner = Browser("127.0.0.2")
    response, _page = owner.log_in(a, "vic@acme.test", "the-Right-pass-2026")
    assert response.status == 302 and response.getheader("Location") == "/"


@pytest.mark.sqlite_pass_only
def test_the_admin_login_is_the_same_throttled_door(two_servers):
    a, _b = two_servers["ports"]
    response, _page = Browser().request(a, "GET", "/admin/login/?next=/admin/")
    assert response.status == 302
    assert response.getheader("Location").startswith("/accounts/login/?next=%2Fadmin%2F")


@pytest.mark.sqlite_pass_only
def test_a_token_spends_its_minute_across_both_processes(two_servers):
    a, b = two_servers["ports"]
    auth = {"Authorization": f"Bearer {two_servers['token']}"}
    client = Browser("127.0.0.3")
    statuses = [
        client.request((a, b)[i % 2], "GET", "/api/v1/workspace", headers=auth)[0].status
        for i in range(12)
    ]
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    response, body = client.request(a, "GET", "/api/v1/workspace", headers=auth)
    assert response.status == 429 and int(response.getheader("Retry-After")) >= 1
    assert response.getheader("Content-Type") == "application/problem+json"
    assert '"status": 429' in body


@pytest.mark.sqlite_pass_only
def test_an_address_spends_its_minute_whatever_it_sends(two_servers):
    a, b = two_servers["ports"]
    client = Browser("127.0.0.4")
    statuses = [
        client.request(
            (a, b)[i % 2], "GET", "/api/v1/workspace", headers={"Authorization": f"Bearer wp_{i}"}
        )[0].status
        for i in range(17)
    ]
    # Wrong tokens are 401 until the address has spent its 15, then 429.
    assert statuses[:15] == [401] * 15 and statuses[15:] == [429, 429]


@pytest.mark.sqlite_pass_only
def test_an_api_read_is_answered_while_a_writer_holds_the_database(two_servers):
    """Counting a request against its limits is a write. On SQLite the counts have a file
    of their own, so a read through the API is answered while another process holds the
    database's single write lock for a long transaction (an import, a restore), instead of
    waiting for it to end."""
    import fcntl

    a, b = two_servers["ports"]
    auth = {"Authorization": f"Bearer {two_servers['token_2']}"}
    client = Browser("127.0.0.5")
    response, _body = client.request(a, "GET", "/api/v1/workspace", headers=auth)
    assert response.status == 200  # the token's first use is written now, not below
    gate = two_servers["data"] / "waypoint.sqlite3-writers.lock"
    with gate.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # a writer of another process, mid-transaction
        for port in (a, b):
            started = time.monotonic()
            response, body = client.request(port, "GET", "/api/v1/workspace", headers=auth)
            assert response.status == 200 and '"slug": "acme"' in body
            assert time.monotonic() - started < 3
    assert (two_servers["data"] / "rate-counts.sqlite3").exists()


def test_a_hit_is_one_statement_and_ended_windows_are_cleared(db, monkeypatch):
    """Without Redis a request is counted by one upsert, alone in its transaction (on SQLite
    the cache's read-then-write held the single write lock for two transactions a request);
    a new window now and then deletes the windows that have ended."""
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waypoint import ratelimit
    from waypoint.workspaces.models import RateCount

    RateCount.objects.create(key="old", count=3, expires=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    monkeypatch.setattr(ratelimit.random, "random", lambda: 0.5)  # no housekeeping
    with CaptureQueriesContext(connection) as queries:
        assert ratelimit.hit("api-token", "t1", "3/d") is None
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1 and "ON CONFLICT" in statements[0]
    assert ratelimit.hit("api-token", "t1", "3/d") is None
    assert ratelimit.hit("api-token", "t1", "3/d") is None
    assert ratelimit.hit("api-token", "t1", "3/d") >= 1  # the fourth in a window of three
    assert RateCount.objects.filter(key="old").exists()
    monkeypatch.setattr(ratelimit.random, "random", lambda: 0.0)
    assert ratelimit.hit("api-token", "t2", "3/d") is None  # a new window: housekeeping
    assert not RateCount.objects.filter(key="old").exists()
    assert RateCount.objects.count() == 2


def test_an_api_request_is_counted_against_its_address_and_token_in_one_statement(db, monkeypatch):
    """A request with a token counts against two limits; both are one upsert, so that on
    SQLite an API request takes one turn at the writers' gate for its limits, not two."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from waypoint import ratelimit
    from waypoint.workspaces.models import RateCount

    monkeypatch.setattr(ratelimit.random, "random", lambda: 0.5)  # no housekeeping
    limits = [("api-address", "10.0.0.1", "5/m"), ("api-token", "t", "2/m")]
    with CaptureQueriesContext(connection) as queries:
        assert ratelimit.hits(limits) is None
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1 and "ON CONFLICT" in statements[0]
    assert sorted(RateCount.objects.values_list("count", flat=True)) == [1, 1]
    assert ratelimit.hits(limits) is None
    assert ratelimit.hits(limits) >= 1  # the token's third in a window of two
    assert ratelimit.hits([limits[0]]) is None  # the address alone has room left (4 of 5)
