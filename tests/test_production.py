"""`waypoint serve --production` refuses what would fail in production, saying how to fix
each, and starts in seconds once `waypoint migrate` and `waypoint collectstatic` have run:
it migrates and collects nothing itself."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

# These start their own processes on SQLite whatever DATABASE_URL says: once is enough, in
# the suite's SQLite pass (the PostgreSQL pass has its own test where one is needed).
sqlite_pass_only = pytest.mark.sqlite_pass_only


def env_for(data_dir, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "WAYPOINT_"))}
    for name in ("DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    env.update(WAYPOINT_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="waypoint.settings", **extra)
    return env


@sqlite_pass_only
def test_production_refuses_a_development_configuration(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "waypoint.cli", "serve", "--production", "--port", "1"],
        env=env_for(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    said = done.stderr
    assert "not starting" in said
    assert "the database is SQLite" in said and "--allow-sqlite" in said
    assert "WAYPOINT_SECRET_KEY is not set" in said
    assert "e-mail would be printed" in said
    assert "migrations are not applied: run `waypoint migrate`" in said
    assert "run `waypoint collectstatic`" in said
    # It changed nothing: no database was migrated, no file collected.
    assert not (tmp_path / "static" / "staticfiles.json").exists()


@sqlite_pass_only
def test_production_starts_in_seconds_after_its_build_and_deploy_steps(tmp_path):
    static = tmp_path / "image-static"  # built into an image, outside the data directory
    env = env_for(
        tmp_path,
        WAYPOINT_SECRET_KEY="test-only-" + "x" * 50,
        WAYPOINT_EMAIL_HOST="127.0.0.1",
        WAYPOINT_ALLOWED_HOSTS="127.0.0.1",
        WAYPOINT_PROXY_HEADERS="true",
        WAYPOINT_STATIC_ROOT=str(static),
        WAYPOINT_WEB_WORKERS="1",
        WAYPOINT_WEB_THREADS="2",
    )
    for step in ("migrate", "collectstatic"):
        subprocess.run(
            [sys.executable, "-m", "waypoint.cli", step],
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
    assert (static / "staticfiles.json").exists()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    # Output to a file, not a pipe read only at the end: a full pipe would block the server.
    log = tmp_path / "serve.log"
    out_file = log.open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "waypoint.cli",
            "serve",
            "--production",
            "--allow-sqlite",
            "--port",
            str(port),
        ],
        env=env,
        stdout=out_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    out_file.close()
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/readyz", headers={"X-Forwarded-Proto": "https"}
        )
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as r:
                    assert r.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, log.read_text()
                assert time.monotonic() - started < 30, "not serving after 30 s"
                time.sleep(0.1)
        took = time.monotonic() - started
        print(f"serve --production answered /readyz {took:.1f} s after it was started")
        assert took < 10
    finally:
        if server.poll() is None:
            os.killpg(server.pid, 15)
        server.wait(timeout=30)
    out = log.read_text()
    # The access log: one line per request, on standard output.
    assert '"GET /readyz HTTP/1.1" 200' in out


def test_the_web_server_runs_a_process_more_than_cores_each_of_one_thread(monkeypatch):
    """One thread a process: a second thread of a Python process adds no CPU, only waits for
    the interpreter (on SQLite with the writers' gate held), and gunicorn's plain worker then
    serves; the environment still sets both."""
    from waypoint import cli

    monkeypatch.delenv("WAYPOINT_WEB_WORKERS", raising=False)
    monkeypatch.delenv("WAYPOINT_WEB_THREADS", raising=False)
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 2)
    argv = cli._gunicorn_argv("127.0.0.1", 8000, production=True)
    assert argv[argv.index("--workers") + 1] == "3"
    assert argv[argv.index("--threads") + 1] == "1"
    monkeypatch.setenv("WAYPOINT_WEB_WORKERS", "5")
    monkeypatch.setenv("WAYPOINT_WEB_THREADS", "4")
    assert cli.web_sizes() == (5, 4)


def test_a_web_process_sets_its_long_lived_objects_aside_from_the_collector(tmp_path):
    """Once loaded (its URL patterns and every language's catalogue with it), a web process
    freezes what it holds, so that Python's full collections, which come round in the middle
    of requests, no longer walk a few hundred thousand objects each time."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, waypoint.wsgi; print(gc.get_freeze_count(), len(gc.get_objects()))",
        ],
        env=env_for(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    frozen, loose = map(int, done.stdout.split()[-2:])
    assert frozen > 100_000 and loose < 1_000, (frozen, loose)
