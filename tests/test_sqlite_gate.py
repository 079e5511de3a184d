"""SQLite's writers take turns at a gate (waypoint.lib.sqlite): across processes and threads
none is lost, a waiter goes in as soon as the holder leaves (not after a busy handler's
sleep), and a transaction that fails or a connection that closes opens the gate."""

import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from django.db import connections, transaction

from waypoint.lib.sqlite.base import DatabaseWrapper, WriteGate, gate_for

ROUNDS = 150

# Read, pause, write back: without the gate, turns that overlap lose increments.
BUMP = textwrap.dedent(
    """
    import sys, time
    from waypoint.lib.sqlite.base import WriteGate
    gate, counter = WriteGate(sys.argv[1]), sys.argv[2]
    for _ in range(int(sys.argv[3])):
        gate.acquire()
        try:
            with open(counter) as f:
                n = int(f.read())
            time.sleep(0.0002)
            with open(counter, "w") as f:
                f.write(str(n + 1))
        finally:
            gate.release()
    """
)


def test_writers_of_several_processes_and_threads_take_turns(tmp_path):
    lock, counter = str(tmp_path / "db-writers.lock"), tmp_path / "counter"
    counter.write_text("0")
    others = [
        subprocess.Popen([sys.executable, "-c", BUMP, lock, str(counter), str(ROUNDS)])
        for _ in range(2)
    ]
    gate = WriteGate(lock)

    def bump():
        for _ in range(ROUNDS):
            gate.acquire()
            try:
                n = int(counter.read_text())
                time.sleep(0.0002)
                counter.write_text(str(n + 1))
            finally:
                gate.release()

    threads = [threading.Thread(target=bump) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(p.wait(timeout=60) == 0 for p in others)
    assert int(counter.read_text()) == 4 * ROUNDS


def test_a_waiter_goes_in_as_soon_as_the_holder_leaves(tmp_path):
    lock, left = str(tmp_path / "db-writers.lock"), tmp_path / "left"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys, time
                from waypoint.lib.sqlite.base import WriteGate
                gate = WriteGate(sys.argv[1])
                gate.acquire()
                print("in", flush=True)
                time.sleep(0.4)
                left = time.time()
                gate.release()
                open(sys.argv[2], "w").write(repr(left))
                """
            ),
            lock,
            str(left),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "in"
    gate = WriteGate(lock)
    gate.acquire()
    entered = time.time()
    gate.release()
    assert holder.wait(timeout=30) == 0
    waited_after_release = entered - float(left.read_text())
    # SQLite's busy handler sleeps up to 100 ms between tries; the gate hands over at once.
    assert waited_after_release < 0.05, waited_after_release


@pytest.fixture
def file_database(tmp_path, settings, django_db_blocker):
    """A connection of the gated backend to a database file of its own."""
    alias = "gate-test"
    conn = DatabaseWrapper(
        {**settings.DATABASES["default"], "NAME": str(tmp_path / "gated.sqlite3")}, alias
    )
    connections[alias] = conn
    with django_db_blocker.unblock():
        yield from _opened(conn, alias, tmp_path)


def _opened(conn, alias, tmp_path):
    try:
        with conn.cursor() as cursor:
            cursor.execute("CREATE TABLE t (n INTEGER)")
        yield alias, gate_for(str(tmp_path / "gated.sqlite3"))
    finally:
        conn.close()
        del connections[alias]


def test_a_failed_transaction_and_a_closed_connection_open_the_gate(file_database):
    alias, gate = file_database
    with transaction.atomic(using=alias):
        connections[alias].cursor().execute("INSERT INTO t VALUES (1)")
        assert gate.threads.locked()
    assert not gate.threads.locked()
    with pytest.raises(ZeroDivisionError), transaction.atomic(using=alias):
        connections[alias].cursor().execute("INSERT INTO t VALUES (2)")
        1 / 0  # noqa: B018
    assert not gate.threads.locked()
    conn = connections[alias]
    transaction.atomic(using=alias).__enter__()
    conn.cursor().execute("INSERT INTO t VALUES (3)")
    assert gate.threads.locked()
    conn.close()  # a connection dropped mid-transaction
    assert not gate.threads.locked()
    with sqlite3.connect(conn.settings_dict["NAME"]) as db:
        assert db.execute("SELECT n FROM t").fetchall() == [(1,)]
