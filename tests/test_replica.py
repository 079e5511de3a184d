"""Reads from a real PostgreSQL streaming replica: a primary and its replica started by the
test (initdb, pg_basebackup, the PostgreSQL 15 binaries of the machine), a Waypoint server
on both. With the replica's replay paused, another reader is served the replica's older
data, while the one who wrote reads their write from the primary; once replay resumes the
write reaches every reader."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

BIN = pathlib.Path("/usr/lib/postgresql/15/bin")
pytestmark = [
    pytest.mark.skipif(not (BIN / "initdb").exists(), reason="needs PostgreSQL 15's binaries"),
    pytest.mark.skipif(
        not shutil.which("runuser"), reason="needs runuser (PostgreSQL won't run as root)"
    ),
    pytest.mark.sqlite_pass_only,  # its own clusters, whatever DATABASE_URL says
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def as_postgres(*argv) -> str:
    cmd = list(map(str, argv))
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def sql(port: int, query: str, db: str = "postgres") -> str:
    return as_postgres(
        BIN / "psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", db, "-tAc", query
    ).strip()


@pytest.fixture(scope="module")
def clusters():
    root = pathlib.Path(tempfile.mkdtemp(prefix="waypoint-replica-"))
    os.chmod(root, 0o777)  # the postgres user writes its clusters here
    primary, replica = free_port(), free_port()
    started = []
    try:
        as_postgres(BIN / "initdb", "-D", root / "primary", "-A", "trust", "-U", "postgres")
        for name, port in (("primary", primary), ("replica", replica)):
            if name == "replica":
                as_postgres(
                    BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", primary, "-U", "postgres",
                    "-D", root / "replica", "-R", "-X", "stream", "-c", "fast",
                )  # fmt: skip
            as_postgres(
                BIN / "pg_ctl", "-D", root / name, "-l", root / f"{name}.log", "-w", "-o",
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1", "start",
            )  # fmt: skip
            started.append(name)
        assert sql(replica, "select pg_is_in_recovery()") == "t"
        sql(primary, "create database waypoint")
        yield root, primary, replica
    finally:
        for name in started:
            with contextlib.suppress(AssertionError):
                as_postgres(BIN / "pg_ctl", "-D", root / name, "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def call(url, token, body=None):
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode() if body else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.read().decode()


def test_reads_come_from_the_replica_and_a_writer_reads_their_write(clusters):
    root, primary, replica = clusters
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "WAYPOINT_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="waypoint.settings",
        WAYPOINT_DATA_DIR=str(root / "data"),
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{primary}/waypoint",
        DATABASE_REPLICA_URL=f"postgresql://postgres@127.0.0.1:{replica}/waypoint",
        WAYPOINT_REPLICA_PIN_SECONDS="3",
        WAYPOINT_LOG_LEVEL="ERROR",
        WAYPOINT_ACCESS_LOG_LEVEL="ERROR",
    )

    def waypoint(*args):
        done = subprocess.run(
            [sys.executable, "-m", "waypoint.cli", *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    waypoint("seed", "--people", "10", "--workspace", "acme", "--quiet")
    ids = json.loads(
        waypoint(
            "manage",
            "shell",
            "-c",
            "import json; from waypoint.workspaces import services as s;"
            "from waypoint.okrs.models import KeyResult;"
            "from waypoint.workspaces.models import Workspace;"
            "ws = Workspace.objects.get(slug='acme');"
            "m = ws.members.get(user__email='owner@acme.test');"
            "kr = KeyResult.objects.filter(workspace=ws, type='increase').first();"
            "new = lambda name, scope: s.token_create(member=m, name=name, scope=scope,"
            " actor=None)[1];"
            "print(json.dumps([new('writer', 'write'), new('reader', 'read'), kr.pk]))",
        )
    )
    writer, reader, kr = ids
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "waypoint.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    web = f"http://127.0.0.1:{port}"
    listing = f"{web}/api/v1/check-ins?key_result_id={kr}&limit=100"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if call(f"{web}/healthz", reader)[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.3)

        # Normal operation: a write reaches a reader through the replica; the lag seen.
        began = time.monotonic()
        assert (
            call(
                f"{web}/api/v1/check-ins",
                writer,
                {"key_result_id": kr, "value": 1, "comment": "probe-1"},
            )[0]
            == 201
        )
        while "probe-1" not in call(listing, reader)[1]:
            assert time.monotonic() - began < 10
            time.sleep(0.01)
        lag_ms = (time.monotonic() - began) * 1000
        print(f"\nreplica: a write seen by another reader after {lag_ms:.0f} ms (request included)")

        # Replay paused: the replica stays behind.
        sql(replica, "select pg_wal_replay_pause()", "waypoint")
        status, _body = call(
            f"{web}/api/v1/check-ins",
            writer,
            {"key_result_id": kr, "value": 2, "comment": "probe-2"},
        )
        assert status == 201
        assert "probe-2" not in call(listing, reader)[1]  # served by the replica
        assert "probe-2" in call(listing, writer)[1]  # the writer reads the primary
        time.sleep(3.5)  # the writer's pin is over: they read the replica again
        assert "probe-2" not in call(listing, writer)[1]
        sql(replica, "select pg_wal_replay_resume()", "waypoint")
        deadline = time.monotonic() + 10
        while "probe-2" not in call(listing, reader)[1]:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        # Nothing was written to the replica (it refuses writes): reads only went there.
        assert (
            int(sql(replica, "select xact_commit from pg_stat_database where datname='waypoint'"))
            > 0
        )
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
