"""Django's SQLite backend, with writers taking turns at a gate instead of polling.

SQLite lets one transaction write at a time. A writer that finds the lock taken sleeps in
SQLite's busy handler, waking after 1, 2, 5 ... up to 100 ms to try again, so with the web
server's processes and threads and the worker all writing, most of a wait is spent asleep
after the lock was already free, and a request waits behind sleepers: at 16 concurrent
check-ins a p99 of a second or more. Here a write transaction first passes a gate: a lock
of the process's threads, then an exclusive ``flock`` on a file beside the database that
the other processes share. A writer waiting at the gate wakes as soon as the holder lets go
(the kernel hands the lock over), and the gate opens in a ``BEGIN IMMEDIATE`` that never
waits. A process that dies holding the gate releases it with its file. In-memory databases
(the test suite's) have no gate: nothing else can write to them.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

WAIT_SECONDS = 20  # as SQLite's own busy timeout in settings
_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


class WriteGate:
    """One database file's gate, in this process: threads queue on a lock, processes on an
    exclusive ``flock`` of ``path``."""

    def __init__(self, path: str):
        self.path = path
        self.pid = None
        self._reset()

    def _reset(self):
        # After a fork the child must not share the parent's open file (its flock would be
        # the parent's) nor its thread lock.
        self.pid, self.fd, self.threads = os.getpid(), None, threading.Lock()

    def acquire(self) -> None:
        if self.pid != os.getpid():
            self._reset()
        if not self.threads.acquire(timeout=WAIT_SECONDS):
            raise OperationalError("database is locked (waited for another writer)")
        try:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            deadline = time.monotonic() + WAIT_SECONDS
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise OperationalError(
                            "database is locked (waited for another process's writer)"
                        ) from None
                    time.sleep(0.0005)
        except BaseException:
            self.threads.release()
            raise

    def release(self) -> None:
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


def gate_for(database: str) -> WriteGate:
    with _gates_lock:
        gate = _gates.get(database)
        if gate is None:
            gate = _gates[database] = WriteGate(f"{database}-writers.lock")
        return gate


class DatabaseWrapper(base.DatabaseWrapper):
    _gate_held: WriteGate | None = None

    def _gate(self) -> WriteGate | None:
        if self.is_in_memory_db():
            return None
        return gate_for(str(self.settings_dict["NAME"]))

    def _start_transaction_under_autocommit(self):
        gate = self._gate()
        if gate is None:
            return super()._start_transaction_under_autocommit()
        gate.acquire()
        self._gate_held = gate
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._open_gate()
            raise

    def _open_gate(self) -> None:
        gate, self._gate_held = self._gate_held, None
        if gate is not None:
            gate.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            # A failed COMMIT leaves the transaction open: Django rolls it back next.
            if self.connection is None or not self.connection.in_transaction:
                self._open_gate()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._open_gate()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._open_gate()
