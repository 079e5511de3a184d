"""Faults injected into a running installation: PostgreSQL, a Redis of the suite's own, two
web servers (`waypoint serve --production`) and two workers (`waypoint worker`), as in
deploy/. Workers are killed with SIGKILL in the middle of jobs, Redis is stopped during
check-ins, every database connection is terminated under load. Each test counts effects.

Run with `make test-faults` (needs PostgreSQL; DATABASE_URL names a database to connect to
for creating the suite's own). The figures each test saw are printed at the end.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import pytest

HERE = pathlib.Path(__file__).parent
BASE = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
pytestmark = pytest.mark.skipif(
    not BASE.startswith("postgresql"), reason="the fault suite runs on PostgreSQL"
)
FIGURES: dict[str, object] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


class Receiver:
    """A webhook receiver on 127.0.0.1: records each delivery id it is sent; ``delay`` keeps
    a request open so that a worker can be killed in the middle of it."""

    def __init__(self):
        self.ids: list[int] = []
        self.delay = 0.0
        self.in_flight = threading.Event()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.in_flight.set()
                time.sleep(receiver.delay)
                receiver.ids.append(json.loads(body)["delivery"])
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Cluster:
    def __init__(self, root: pathlib.Path):
        import psycopg

        self.root = root
        self.name = f"waypoint_faults_{os.getpid()}"
        with psycopg.connect(BASE, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.name}"')
        self.database = BASE.rsplit("/", 1)[0] + "/" + self.name
        self.redis_port = free_port()
        self.redis = None
        self.start_redis()
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PYTEST", "WAYPOINT_", "DJANGO_", "REDIS_", "DATABASE_"))
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="waypoint.settings",
            DATABASE_URL=self.database,
            REDIS_URL=f"redis://127.0.0.1:{self.redis_port}/0",
            WAYPOINT_DATA_DIR=str(root / "data"),
            WAYPOINT_STATIC_ROOT=str(root / "static"),
            WAYPOINT_SECRET_KEY="faults-only-" + "k" * 40,
            WAYPOINT_EMAIL_HOST="127.0.0.1",
            WAYPOINT_OUTBOUND_ALLOW="127.0.0.1",
            WAYPOINT_SWEEP_SECONDS="1",
            WAYPOINT_WEB_WORKERS="1",
            WAYPOINT_WEB_THREADS="8",
            # One job at a time per worker: a SIGKILL cuts exactly the job it aims at.
            WAYPOINT_WORKER_THREADS="1",
            WAYPOINT_PROXY_HEADERS="1",  # the TLS proxy of deploy/ says https
            WAYPOINT_ALLOWED_HOSTS="127.0.0.1",
            WAYPOINT_API_RATE_PER_TOKEN="100000/m",
            WAYPOINT_API_RATE_PER_ADDRESS="100000/m",
            WAYPOINT_LOG_LEVEL="WARNING",
            WAYPOINT_ACCESS_LOG_LEVEL="WARNING",
        )
        self.run("migrate")
        self.run("collectstatic")
        self.run("seed", "--people", "10", "--workspace", "acme", "--quiet")
        self.receiver = Receiver()
        self.ids = json.loads(self.scenario("setup", self.receiver.url))
        self.webs = [self.start_web() for _ in range(2)]
        self.workers = [self.start_worker() for _ in range(2)]

    # --- processes ----------------------------------------------------------------------
    def _call(self, *argv: str) -> str:
        done = subprocess.run(
            [sys.executable, *argv],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def run(self, *args: str) -> str:
        """A `waypoint` command."""
        return self._call("-m", "waypoint.cli", *args)

    def scenario(self, *args: str) -> str:
        """A step of scenario.py: its last line of output."""
        return self._call(str(HERE / "scenario.py"), *args).strip().splitlines()[-1]

    def state(self) -> dict:
        return json.loads(self.scenario("state"))

    def start_redis(self):
        self.redis = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: _connects(self.redis_port), 10, "redis")

    def stop_redis(self):
        self.redis.send_signal(signal.SIGKILL)
        self.redis.wait()

    def start_web(self) -> tuple[subprocess.Popen, str]:
        port = free_port()
        log = open(self.root / f"web-{port}.log", "w")  # noqa: SIM115 - kept while it runs
        proc = subprocess.Popen(
            [sys.executable, "-m", "waypoint.cli", "serve", "--production", "--port", str(port)],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: request(f"{url}/healthz")[0] == 200, 60, "the web server")
        except AssertionError:
            raise AssertionError((self.root / f"web-{port}.log").read_text()[-3000:]) from None
        return proc, url

    def start_worker(self) -> subprocess.Popen:
        log = open(self.root / f"worker-{time.monotonic_ns()}.log", "w")  # noqa: SIM115
        return subprocess.Popen(
            [sys.executable, "-m", "waypoint.cli", "worker"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_worker(self, pid: int) -> None:
        """SIGKILL the worker with this pid, and start another in its place (as systemd's
        Restart=always or compose's restart policy do)."""
        for i, worker in enumerate(self.workers):
            if worker.pid == pid:
                os.kill(pid, signal.SIGKILL)
                worker.wait()
                self.workers[i] = self.start_worker()
                return
        raise AssertionError(f"{pid} is not one of the workers")

    def sql(self, query: str, *args):
        import psycopg

        with psycopg.connect(self.database, autocommit=True) as conn:
            return conn.execute(query, args).fetchall()

    def close(self):
        for proc in [w for w, _url in self.webs] + self.workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [w for w, _url in self.webs] + self.workers:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.stop_redis()
        self.receiver.server.shutdown()
        import psycopg

        with psycopg.connect(BASE, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _connects(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def request(url, body=None, token=None, headers=None, opener=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    if data:
        req.add_header("Content-Type", "application/json")
    req.add_header("X-Forwarded-Proto", "https")  # as the TLS proxy in front says
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with (opener or urllib.request.build_opener()).open(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
        return 0, {}, str(e)


@pytest.fixture(scope="module")
def cluster():
    root = pathlib.Path(tempfile.mkdtemp(prefix="waypoint-faults-"))
    c = Cluster(root)
    try:
        yield c
    finally:
        c.close()
        if not os.environ.get("FAULTS_KEEP"):
            shutil.rmtree(root, ignore_errors=True)
        print("\nFault suite figures:", json.dumps(FIGURES, indent=2))


def check_in(cluster, n: int, web: int = 0, key: str | None = None):
    _proc, url = cluster.webs[web % 2]
    return request(
        f"{url}/api/v1/check-ins",
        {"key_result_id": cluster.ids["key_result"], "value": n, "comment": f"fault {n}"},
        token=cluster.ids["token"],
        headers={"Idempotency-Key": key} if key else None,
    )


def all_delivered(cluster, count: int) -> dict | None:
    """The state once ``count`` deliveries exist and every one has succeeded."""
    state = cluster.state()
    pending = [pk for pk, status in state["deliveries"] if status != "succeeded"]
    return None if pending or len(state["deliveries"]) < count else state


# --- The tests --------------------------------------------------------------------------------


def test_a_worker_killed_in_the_middle_of_a_delivery_twenty_times(cluster):
    """Each of twenty deliveries is cut by SIGKILL while the receiver holds its POST open:
    every one still arrives; the only repeat is the POST that was cut (at least once, with
    the delivery id for the receiver to recognise it)."""
    cluster.receiver.delay = 1.5
    before = len(cluster.state()["deliveries"])
    kills = 0
    for n in range(20):
        cluster.receiver.in_flight.clear()
        status, _h, body = check_in(cluster, 1000 + n, web=n)
        assert status == 201, body
        assert cluster.receiver.in_flight.wait(30), "no delivery started"

        def holders():
            live = {w.pid for w in cluster.workers}
            rows = cluster.sql(  # the job of this check-in's delivery: the newest
                "SELECT leased_by FROM jobs_job WHERE id = (SELECT max(id) FROM jobs_job "
                "WHERE kind='webhooks.deliver') AND status='running'"
            )
            return {int(by.rsplit(":", 1)[1]) for (by,) in rows} & live

        for pid in wait_for(holders, 10, "a worker holding the delivery"):
            cluster.kill_worker(pid)
            kills += 1
    cluster.receiver.delay = 0
    try:
        state = wait_for(lambda: all_delivered(cluster, before + 20), 120, "every delivery")
    except AssertionError as exc:
        raise AssertionError(json.dumps(cluster.state())) from exc
    deliveries = [pk for pk, _status in state["deliveries"]][: len(state["deliveries"]) - before]
    received = cluster.receiver.ids
    assert len(state["deliveries"]) - before == 20  # one delivery per check-in, none lost
    assert set(deliveries) <= set(received)
    FIGURES["delivery kills"] = {
        "kills": kills,
        "deliveries": 20,
        "received distinct": len(set(deliveries) & set(received)),
        "received in all (the cut POSTs again)": sum(received.count(d) for d in deliveries),
        "failed jobs": state["jobs"]["failed"],
    }
    assert state["jobs"]["failed"] == 0, state["failed_jobs"]


def test_a_worker_killed_in_the_middle_of_an_import_twenty_times(cluster):
    """Imports of 600 objectives each; a worker is killed while one is writing, twenty
    times. Every import ends done, each with exactly its 600 objectives."""
    rows = 600
    uploads = json.loads(cluster.scenario("uploads", "12", str(rows)))
    kills = 0
    deadline = time.monotonic() + 600
    while kills < 20 and time.monotonic() < deadline:
        running = cluster.sql(
            "SELECT leased_by FROM jobs_job WHERE kind='imports.run' AND status='running' "
            "AND leased_until > now()"
        )
        if not running:
            if all(
                u["status"] != "running" for u in cluster.state()["uploads"].values()
            ):  # all done before twenty kills: start more
                uploads += json.loads(cluster.scenario("uploads", "6", str(rows)))
            time.sleep(0.2)
            continue
        time.sleep(0.8)  # well into the import's transaction
        pid = int(running[0][0].rsplit(":", 1)[1])
        if any(w.pid == pid for w in cluster.workers):
            cluster.kill_worker(pid)
            kills += 1
    assert kills == 20
    state = wait_for(
        lambda: (
            (s := cluster.state())
            and all(u["status"] != "running" for u in s["uploads"].values())
            and s
        ),
        300,
        "every import to finish",
        every=1,
    )
    outcome = {pk: state["uploads"][str(pk)] for pk in uploads}
    assert all(u == {"status": "done", "objectives": rows} for u in outcome.values()), outcome
    FIGURES["import kills"] = {"kills": kills, "imports": len(uploads), "each exactly": rows}


def test_redis_stopped_for_thirty_seconds_during_check_ins(cluster):
    """Check-ins go on through both web servers while Redis is down: every one is answered
    201, and every webhook is delivered once Redis is back."""
    before = len(cluster.state()["deliveries"])
    cluster.stop_redis()
    answers = []
    began = time.monotonic()
    n = 0
    while time.monotonic() - began < 30:
        answers.append(check_in(cluster, 5000 + n, web=n)[0])
        n += 1
        time.sleep(0.1)
    cluster.start_redis()
    back = time.monotonic()
    state = wait_for(
        lambda: all_delivered(cluster, before + len(answers)), 120, "the deliveries after Redis"
    )
    FIGURES["redis down 30 s"] = {
        "check-ins": len(answers),
        "answers": {str(s): answers.count(s) for s in set(answers)},
        "deliveries made": len(state["deliveries"]) - before,
        "all delivered within s of Redis coming back": round(time.monotonic() - back, 1),
    }
    assert set(answers) == {201}
    assert len(state["deliveries"]) - before == len(answers)


def test_every_database_connection_terminated_under_load(cluster):
    """Reads and check-ins from eight threads while every connection of the database is
    terminated five times: no answer is a 500; a 503 carries Retry-After."""
    answers: list[tuple[int, str]] = []
    stop = threading.Event()

    def load(i: int):
        n = 0
        while not stop.is_set():
            if n % 2:
                status, headers, _b = check_in(cluster, 9000 + i * 1000 + n, web=i)
            else:
                _p, url = cluster.webs[i % 2]
                status, headers, _b = request(
                    f"{url}/api/v1/objectives?limit=20", token=cluster.ids["token"]
                )
            answers.append((status, headers.get("Retry-After", "")))
            n += 1

    threads = [threading.Thread(target=load, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for _ in range(5):
        time.sleep(1)
        cluster.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    time.sleep(1)
    stop.set()
    for t in threads:
        t.join()
    statuses = [s for s, _r in answers]
    FIGURES["connections terminated 5 times"] = {
        "requests": len(answers),
        "answers": {str(s): statuses.count(s) for s in set(statuses)},
    }
    assert 500 not in statuses and 0 not in statuses
    assert all(r for s, r in answers if s == 503)
    assert statuses.count(200) + statuses.count(201) > len(answers) * 0.8


def test_a_periodic_job_runs_once_with_two_workers_asking(cluster):
    """What each worker's scheduler does at the top of the hour, from two processes at the
    same moment: one job, run once."""
    code = (
        "import django, sys; django.setup();"
        "from waypoint.jobs import queue; from django.utils import timezone;"
        "import datetime as dt;"
        "now = dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.UTC);"
        "print(queue.enqueue_periodic('kpis.judge_daily', now).pk)"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=cluster.env, stdout=subprocess.PIPE)
        for _ in range(2)
    ]
    ids = {p.communicate(timeout=60)[0].decode().strip() for p in procs}
    assert all(p.returncode == 0 for p in procs) and len(ids) == 1 and ids != {""}
    rows = wait_for(
        lambda: (
            cluster.sql(
                "SELECT status, attempts FROM jobs_job WHERE key = %s",
                "periodic:kpis.judge_daily:2030-01-01T09:00",
            )
            if cluster.sql(
                "SELECT 1 FROM jobs_job WHERE key = %s AND status = 'done'",
                "periodic:kpis.judge_daily:2030-01-01T09:00",
            )
            else None
        ),
        60,
        "the periodic job",
    )
    assert rows == [("done", 1)]
    FIGURES["periodic with two schedulers"] = {"jobs": len(rows), "runs": rows[0][1]}


class Browser:
    """Cookies kept by hand: they are Secure (production), and these servers sit behind
    the TLS proxy, which the X-Forwarded-Proto header stands in for."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def open(self, url: str, form: dict | None = None) -> tuple[int, str]:
        import http.cookies
        import urllib.parse

        origin = "https://" + url.split("://", 1)[1].split("/", 1)[0]
        req = urllib.request.Request(
            url, data=urllib.parse.urlencode(form).encode() if form is not None else None
        )
        req.add_header("X-Forwarded-Proto", "https")
        req.add_header("Origin", origin)
        req.add_header("Referer", origin + "/accounts/login/")
        if self.cookies:
            req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        try:
            r = urllib.request.build_opener(NoRedirect).open(req, timeout=30)
        except urllib.error.HTTPError as e:
            r = e
        for header in r.headers.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return r.status if hasattr(r, "status") else r.code, r.read().decode()

    def csrf(self, url: str) -> str:
        import re

        page = self.open(url)[1]
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_a_session_and_a_rate_limit_are_shared_by_two_web_servers(cluster):
    (_p, a), (_q, b) = cluster.webs
    browser = Browser()
    form = {"csrfmiddlewaretoken": browser.csrf(f"{a}/accounts/login/")}
    form.update(login="owner@acme.test", password="waypoint-seed")
    assert browser.open(f"{a}/accounts/login/", form)[0] == 302
    status, page = browser.open(f"{b}/w/acme/")  # the other server knows the session
    assert status == 200 and "Log out" in page
    # The login limit (5 failures in 5 minutes per account) counts across both servers: the
    # sixth failure, wherever it lands, is refused.
    answers = []
    for i in range(8):
        server = (a, b)[i % 2]
        fresh = Browser()
        form = {"csrfmiddlewaretoken": fresh.csrf(f"{server}/accounts/login/")}
        form.update(login="p1@acme.test", password="wrong")
        status, page = fresh.open(f"{server}/accounts/login/", form)
        answers.append("refused" if "Too many failed login attempts" in page else status)
    FIGURES["login failures across two servers"] = answers
    assert answers == [200] * 5 + ["refused"] * 3, answers
