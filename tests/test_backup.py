"""`waypoint backup` and `waypoint restore`: a workspace written to an archive and restored
into an empty database (another data directory, or another PostgreSQL database) gives back
every row of every table, password hashes included; a bad archive writes nothing."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import uuid

import pytest

# These start their own processes on SQLite whatever DATABASE_URL says: once is enough, in
# the suite's SQLite pass (the PostgreSQL pass has its own test where one is needed).
sqlite_pass_only = pytest.mark.sqlite_pass_only


def waypoint(data_dir, *args, database_url: str | None = None, check=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.pop("DATABASE_URL", None)
    env.update(WAYPOINT_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="waypoint.settings")
    if database_url:
        env["DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-m", "waypoint.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


def python_in(data_dir, code: str, database_url: str | None = None) -> str:
    """What ``code`` prints, run by Django's shell on that data directory (its last line:
    the shell may first say what it imported)."""
    out = waypoint(data_dir, "manage", "shell", "-c", code, database_url=database_url).stdout
    return out.strip().splitlines()[-1]


CREATE_ONE = (
    "from waypoint.workspaces.models import Workspace;"
    "from waypoint.okrs import services as s;"
    "ws = Workspace.objects.get(slug='acme');"
    "print(s.objective_create(workspace=ws, cycle=ws.cycles.first(), title='New', actor=None).pk)"
)
# A delivery that points at its event in the job queue: events and jobs are this instance's
# work in flight, not the workspace's data, so the archive leaves the link out.
DELIVERY_OF_AN_EVENT = (
    "from waypoint.workspaces.models import Workspace;"
    "from waypoint.jobs.models import Event;"
    "from waypoint.integrations.models import Webhook, Delivery;"
    "ws = Workspace.objects.get(slug='acme');"
    "hook = Webhook.objects.create(workspace=ws, url='http://127.0.0.1:9/x', secret='s',"
    " events=['checkin.created']);"
    "ev = Event.objects.create(workspace=ws, name='checkin.created', payload={'value': 3});"
    "print(Delivery.objects.create(webhook=hook, source=ev, event=ev.name, payload=ev.payload).pk)"
)
DELIVERY_RESTORED = (
    "from waypoint.integrations.models import Delivery;"
    "d = Delivery.objects.get(); print(d.source_id, d.payload['value'])"
)
SEARCH_RESTORED = (
    "from waypoint.workspaces.models import Workspace;"
    "from waypoint.search.selectors import search;"
    "ws = Workspace.objects.get(slug='acme'); o = ws.objectives.last();"
    "print(o in search(ws, ws.members.get(role='owner'), o.title).objectives)"
)
PASSWORD_OK = (
    "from waypoint.workspaces.models import User;"
    "print(User.objects.get(email='p1@acme.test').check_password('waypoint-seed'))"
)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A seeded workspace with every kind of row, and its archive."""
    home = tmp_path_factory.mktemp("source")
    waypoint(home, "seed", "--people", "200", "--workspace", "acme", "--quiet")
    python_in(home, DELIVERY_OF_AN_EVENT)
    archive = home / "acme.jsonl.gz"
    done = waypoint(home, "backup", "--workspace", "acme", "-o", str(archive))
    assert "rows of" in done.stdout and archive.exists()
    return {
        "home": home,
        "archive": archive,
        "digest": waypoint(home, "digest", "--workspace", "acme").stdout,
    }


@sqlite_pass_only
def test_a_restore_into_an_empty_database_is_equal_table_by_table(source, tmp_path):
    done = waypoint(tmp_path, "restore", str(source["archive"]))
    assert "rows of" in done.stdout and "restored" in done.stdout
    digest = waypoint(tmp_path, "digest", "--workspace", "acme").stdout
    assert digest == source["digest"]
    tables = dict(reversed(line.split("  ")) for line in digest.splitlines())
    for table in ("okrs_checkin", "kpis_datapoint", "workspaces_auditentry", "okrs_retrospective"):
        assert table in tables
    # People sign in with the passwords they had.
    assert python_in(tmp_path, PASSWORD_OK) == "True"
    # The webhook's delivery is back, without the event it was sent for in the old queue.
    assert python_in(tmp_path, DELIVERY_RESTORED) == "None 3"
    # The search index, which the archive leaves out, is built again from the rows.
    assert python_in(tmp_path, SEARCH_RESTORED) == "True"
    # New rows get new ids after the restored ones.
    assert int(python_in(tmp_path, CREATE_ONE)) > 0


@sqlite_pass_only
def test_a_second_restore_and_a_damaged_archive_write_nothing(source, tmp_path):
    waypoint(tmp_path, "restore", str(source["archive"]))
    again = waypoint(tmp_path, "restore", str(source["archive"]), check=False)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert "nothing of it was written" in again.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    data = source["archive"].read_bytes()
    damaged = tmp_path / "damaged.jsonl.gz"
    damaged.write_bytes(data[: len(data) * 2 // 3])  # cut off in the middle
    done = waypoint(empty, "restore", str(damaged), check=False)
    assert done.returncode == 2 and "nothing of it was written" in done.stderr
    count = python_in(
        empty,
        "from waypoint.workspaces.models import Workspace, User;"
        "from waypoint.okrs.models import CheckIn;"
        "print(Workspace.objects.count(), User.objects.count(), CheckIn.objects.count())",
    )
    assert count.split() == ["0", "0", "0"]

    other = tmp_path / "other.jsonl.gz"
    other.write_bytes(gzip.compress(b'{"format": "something else"}\n'))
    done = waypoint(empty, "restore", str(other), check=False)
    assert done.returncode == 2 and "not a Waypoint backup" in done.stderr


@sqlite_pass_only
def test_passwords_can_be_left_out(source, tmp_path):
    archive = tmp_path / "nopw.jsonl.gz"
    waypoint(source["home"], "backup", "--workspace", "acme", "-o", str(archive), "--no-passwords")
    target = tmp_path / "target"
    target.mkdir()
    done = waypoint(target, "restore", str(archive))
    assert "Passwords were left out" in done.stdout
    assert python_in(target, PASSWORD_OK) == "False"


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="needs a PostgreSQL server (DATABASE_URL)",
)
def test_sqlite_to_postgresql_and_back(source, tmp_path):
    """The archive is the same on both databases: SQLite's workspace restored into a new
    PostgreSQL database, backed up there and restored into SQLite again, is still equal."""
    import psycopg

    base = os.environ["DATABASE_URL"]
    name = f"waypoint_restore_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        waypoint(tmp_path, "restore", str(source["archive"]), database_url=url)
        assert (
            waypoint(tmp_path, "digest", "--workspace", "acme", database_url=url).stdout
            == (source["digest"])
        )
        assert python_in(tmp_path, PASSWORD_OK, database_url=url) == "True"
        back = tmp_path / "from-pg.jsonl.gz"
        waypoint(tmp_path, "backup", "--workspace", "acme", "-o", str(back), database_url=url)
        # The sequences start past the restored ids: a new row does not collide.
        assert int(python_in(tmp_path, CREATE_ONE, database_url=url)) > 0
        again = tmp_path / "again"
        again.mkdir()
        waypoint(again, "restore", str(back))
        assert waypoint(again, "digest", "--workspace", "acme").stdout == source["digest"]
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@sqlite_pass_only
def test_every_workspace_backed_up_and_restored_with_the_people_they_share(tmp_path):
    """`--all` writes one archive a workspace; restoring them one after the other keeps a
    person who belongs to both once, with both memberships."""
    home = tmp_path / "home"
    home.mkdir()
    waypoint(home, "seed", "--people", "20", "--workspace", "one", "--quiet")
    waypoint(home, "seed", "--people", "20", "--workspace", "two", "--quiet")
    python_in(
        home,
        "from waypoint.workspaces.models import Member, User, Workspace;"
        "Member.objects.create(workspace=Workspace.objects.get(slug='two'),"
        " user=User.objects.get(email='p1@one.test'), role='member');print('ok')",
    )
    folder = tmp_path / "archives"
    done = waypoint(home, "backup", "--all", "-o", str(folder))
    assert done.stdout.count("rows of") == 2
    target = tmp_path / "target"
    target.mkdir()
    files = sorted(str(p) for p in folder.glob("*.jsonl.gz"))
    assert [p.rsplit("/", 1)[-1] for p in files] == ["one.jsonl.gz", "two.jsonl.gz"]
    waypoint(target, "restore", *files)
    for slug in ("one", "two"):
        assert (
            waypoint(target, "digest", "--workspace", slug).stdout
            == waypoint(home, "digest", "--workspace", slug).stdout
        )
    shared = python_in(
        target,
        "from waypoint.workspaces.models import User;"
        "print(User.objects.get(email='p1@one.test').memberships.count())",
    )
    assert shared == "2"
