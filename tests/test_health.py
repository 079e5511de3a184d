"""/healthz says alive, /readyz says whether the process can serve (JSON, 503 with
Retry-After when not); a database that goes away gives 503s, never 500s, and the service
recovers without a restart when it returns."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.db import OperationalError
from django.test import Client

from waypoint import health


def test_healthz_is_alive_and_readyz_checks_everything(client, db):
    assert client.get("/healthz").json() == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {
            "database_read": "ok",
            "database_write": "ok",
            "queue": "ok",
            "migrations": "ok",
        },
    }


def test_readyz_is_503_and_says_why(client, db, monkeypatch):
    def read_only():
        raise OperationalError("attempt to write a readonly database")

    monkeypatch.setitem(health.CHECKS, "database_write", read_only)
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready["Retry-After"] == "5"
    body = ready.json()
    assert body["status"] == "not ready" and body["checks"]["database_read"] == "ok"
    assert body["checks"]["database_write"] == (
        "OperationalError: attempt to write a readonly database"
    )


def test_a_database_error_is_a_503_page_and_problem_json(db, owner_user, workspace, monkeypatch):
    from waypoint.okrs import views

    def away(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(views.selectors, "visible_key_results", away)
    client = Client(raise_request_exception=False)
    client.force_login(owner_user)
    page = client.get(f"/w/{workspace.slug}/")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "Try again in a few seconds" in page.content.decode()
    # Under /api/, in a middleware before any view: problem JSON.
    from waypoint import ratelimit

    monkeypatch.setattr(ratelimit, "_count_in_database", away)
    answer = client.get("/api/v1/objectives")
    assert answer.status_code == 503 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["status"] == 503 and answer["Retry-After"] == "5"
    # Anything else is still a 500, said plainly.
    monkeypatch.setattr(views.selectors, "visible_key_results", lambda *a: 1 / 0)
    page = client.get(f"/w/{workspace.slug}/")
    assert page.status_code == 500 and "Retry-After" not in page


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="needs a PostgreSQL server (DATABASE_URL)",
)
def test_postgresql_going_away_and_coming_back(tmp_path):
    """A real server behind a TCP proxy that the test cuts: while PostgreSQL is away every
    answer is a 503 with Retry-After (JSON under /api/), never a 500; when it is back the
    same server process answers 200 again."""
    import psycopg

    base = os.environ["DATABASE_URL"]
    name = f"waypoint_health_{os.getpid()}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    proxy = Proxy(("127.0.0.1", 5432))
    url = f"postgresql://postgres@127.0.0.1:{proxy.port}/{name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        WAYPOINT_DATA_DIR=str(tmp_path),
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="waypoint.settings",
        WAYPOINT_LOG_LEVEL="ERROR",
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "waypoint.cli",
            "seed",
            "--people",
            "10",
            "--workspace",
            "acme",
            "--quiet",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "waypoint.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    web = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while get(f"{web}/healthz")[0] != 200:
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.3)
        assert get(f"{web}/readyz")[0] == 200
        log_in(web, "owner@acme.test")
        assert get(f"{web}/w/acme/")[0] == 200

        proxy.cut()
        for _ in range(5):
            status, headers, body = get(f"{web}/readyz")
            assert status == 503 and headers["Retry-After"] == "5"
            assert json.loads(body)["checks"]["database_read"] != "ok"
            status, headers, body = get(f"{web}/w/acme/")
            assert status == 503 and headers["Retry-After"] == "5", (status, body[:300])
            assert "Try again in a few seconds" in body
            status, headers, body = get(f"{web}/api/v1/objectives")
            assert status == 503 and json.loads(body)["status"] == 503
        assert get(f"{web}/healthz")[0] == 200  # alive all along: nothing to restart

        proxy.restore()
        deadline = time.monotonic() + 20
        while get(f"{web}/readyz")[0] != 200:
            assert time.monotonic() < deadline, "the server did not recover by itself"
            time.sleep(0.2)
        assert get(f"{web}/w/acme/")[0] == 200  # still signed in: the session was kept
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        proxy.close()
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


OPENER = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())


def get(url: str, data: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with OPENER.open(url, data=body, timeout=30) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()
    except urllib.error.URLError:
        return 0, {}, ""  # not listening (yet)


def log_in(web: str, email: str) -> None:
    page = get(f"{web}/accounts/login/")[2]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {"csrfmiddlewaretoken": token, "login": email, "password": "waypoint-seed"}
    status, _h, body = get(f"{web}/accounts/login/", form)
    assert status == 200 and "Log out" in body, body[:500]


class Proxy:
    """A TCP forwarder on a free local port; ``cut`` closes every connection and refuses
    new ones (the database went away), ``restore`` forwards again."""

    def __init__(self, target):
        self.target = target
        self.up = True
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self):
        self.up = False
        with self.lock:
            for a, b in self.pairs:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                        s.close()
                    except OSError:
                        pass
            self.pairs.clear()

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        self.listener.close()
