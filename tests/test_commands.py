"""The `waypoint` command as a new user meets it: fresh data directories, real processes."""

import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# What the test settings put in the environment must not leak into a real `waypoint` run
# (an inline worker would exit at once).
TEST_ONLY_ENV = (
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "WAYPOINT_WORKER_IMMEDIATE",
    "WAYPOINT_MANIFEST_STATIC",
)
OKR_FILE = """\
workspace: acme
cycle: {name: 2026-Q1, start: 2026-01-01, end: 2026-03-31}
objectives:
  - title: Customers love our onboarding
    why: Churn in the first 90 days is our biggest leak
    owner: anna@acme.test
    key_results:
      - {title: Raise NPS from 55 to 66, start: 55, target: 66}
"""

# Every test here runs `waypoint` on SQLite whatever DATABASE_URL says: once, in the SQLite
# pass of the suite.
pytestmark = pytest.mark.sqlite_pass_only


def waypoint(*args, data_dir, timeout=120):
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_ENV}
    env["WAYPOINT_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "waypoint.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_import_works_on_an_empty_data_directory(tmp_path):
    data = tmp_path / "fresh"
    okrs = tmp_path / "okrs.yaml"
    okrs.write_text(OKR_FILE)
    result = waypoint("import", str(okrs), data_dir=data)
    assert result.returncode == 0, result.stderr
    assert (data / "waypoint.sqlite3").exists()
    key = data / "secret_key"
    assert len(key.read_text()) >= 50
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    exported = waypoint("export", "--workspace", "acme", data_dir=data)
    assert "Customers love our onboarding" in exported.stdout
    again = waypoint("import", str(okrs), data_dir=data)
    assert "already up to date" in again.stdout


def test_a_bad_file_exits_2_from_the_shell(tmp_path):
    okrs = tmp_path / "bad.yaml"
    okrs.write_text(OKR_FILE.replace("start: 55", "start: 66"))
    result = waypoint("import", str(okrs), data_dir=tmp_path / "d")
    assert result.returncode == 2
    assert f"{okrs}:8: objectives[0].key_results[0].target:" in result.stderr


def test_the_data_directory_database_is_in_wal_mode(tmp_path):
    import sqlite3

    okrs = tmp_path / "okrs.yaml"
    okrs.write_text(OKR_FILE)
    assert waypoint("import", str(okrs), data_dir=tmp_path / "d").returncode == 0
    with sqlite3.connect(tmp_path / "d" / "waypoint.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def fetch(url, tries=3):
    """GET with a retry: a busy two-core machine sometimes resets a connection to a worker
    that is still warming up; three resets in a row is a real failure."""
    for attempt in range(tries):
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, r.read().decode("utf-8", "replace")
        except ConnectionResetError:
            if attempt == tries - 1:
                raise
            time.sleep(1)
    return None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_serves_the_login_and_the_admin_with_the_worker(tmp_path):
    """What `make demo` runs: load the demo, then serve it with the worker beside it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in TEST_ONLY_ENV}
    env["WAYPOINT_DATA_DIR"] = str(tmp_path / "demo")
    # Its output goes to a file: a pipe nobody reads until the end fills at 64 KB (the
    # worker's first jobs log that much), and then every process writing to it, the web
    # server's access log included, blocks and the pages hang.
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "waypoint.cli", "demo", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the demo did not start in 90 s"
                time.sleep(0.5)
        # The admin logs in through the site's own (throttled) login page.
        status, page = fetch(f"{base}/admin/login/")
        assert status == 200 and "csrfmiddlewaretoken" in page and 'name="login"' in page
        manifest = json.loads((tmp_path / "demo" / "static" / "staticfiles.json").read_text())
        css = manifest["paths"]["admin/css/base.css"]
        assert fetch(f"{base}/static/{css}")[0] == 200
        status, login = fetch(f"{base}/accounts/login/")
        assert status == 200 and "/static/waypoint/app." in login
        worker = subprocess.run(
            ["pgrep", "-f", "waypoint.cli worker"], capture_output=True, text=True
        )
        assert worker.stdout.strip(), "the worker runs beside the web server"
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=30)
    out = log.read_text()
    assert "anna@brightstone.test" in out and "waypoint-demo" in out
    assert f"http://127.0.0.1:{port}/" in out


def test_static_files_are_collected_compressed_in_seconds(tmp_path):
    """gzip and brotli beside each file, so that the 280 KB of d3 travel as 85 KB; source maps
    as they are. It took half a minute when brotli ran at its slowest quality."""
    import brotli

    started = time.monotonic()
    done = waypoint("collectstatic", data_dir=tmp_path)
    took = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    static = tmp_path / "static"
    for name in ("waypoint/vendor/d3.min.js", "waypoint/app.css", "waypoint/map.js"):
        plain = (static / name).read_bytes()
        assert brotli.decompress((static / f"{name}.br").read_bytes()) == plain
        assert (static / f"{name}.gz").exists()
    assert (static / "waypoint/vendor/d3.min.js.br").stat().st_size < 100_000
    assert not list(static.rglob("*.map.br")) and not list(static.rglob("*.map.gz"))
    assert took < 20, f"collectstatic took {took:.1f} s"
