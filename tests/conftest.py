"""Shared personas: an owner, a teammate, an outsider from another workspace."""

import contextlib
import datetime as dt

import pytest

from tests.vendors import vendor  # noqa: F401  (a fake vendor's server, for the connectors)
from waypoint.okrs import services as okr
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Role


@pytest.fixture(autouse=True)
def fresh_cache(request):
    """Rate limits live in the shared cache, a database table. A test in a transaction rolls
    its counts back; a transactional test's flush leaves the table alone, so it is emptied.
    Reads cached in the process under a workspace's version are forgotten too: every test
    starts its database afresh, with the same ids."""
    from waypoint.workspaces import versions

    versions.forget()
    if any(f in request.fixturenames for f in ("transactional_db", "live_server")):
        request.getfixturevalue("transactional_db")
        from django.core.cache import cache

        cache.clear()


@pytest.fixture(autouse=True)
def default_language():
    """A request leaves the language it chose active in its thread: the next test starts
    from the default again, whatever the one before read pages in."""
    from django.utils import translation

    yield
    translation.deactivate()


@contextlib.contextmanager
def rolled_back_once_per_module(django_db_blocker):
    """Data built once for a module's tests: written in a transaction that stays open while
    the module runs and is rolled back after it. Each test's own transaction (the ``db``
    fixture) is then a savepoint inside it, so a test still sees the data fresh and its own
    writes vanish when it ends. Fixtures using this return ids, and each test reads its
    objects anew, so nothing one test changes in memory reaches the next."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer._from_testcase = True  # a test's atomic blocks nest in it as in a TestCase's
        outer.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def owner_user(django_user_model):
    return django_user_model.objects.create_user(
        email="owner@acme.test", password="pw-owner-123", full_name="Olivia Owner"
    )


@pytest.fixture
def workspace(db, owner_user):
    return ws_services.workspace_create(
        name="Acme", slug="acme", owner=owner_user, actor=owner_user
    )


@pytest.fixture
def owner(workspace, owner_user):
    return workspace.members.get(user=owner_user)


@pytest.fixture
def teammate(workspace, owner_user):
    return ws_services.member_ensure(
        workspace=workspace,
        email="tess@acme.test",
        full_name="Tess Teammate",
        role=Role.MEMBER,
        actor=owner_user,
    )


@pytest.fixture
def other_workspace(db, django_user_model):
    outsider = django_user_model.objects.create_user(email="out@rival.test", password="pw-out-123")
    return ws_services.workspace_create(name="Rival", slug="rival", owner=outsider, actor=outsider)


@pytest.fixture
def quarter(workspace, owner_user):
    return okr.cycle_create(
        workspace=workspace,
        name="2026-Q1",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
        kind="quarter",
        actor=owner_user,
    )


@pytest.fixture
def now_cycle(workspace):
    """The current cycle, from a month ago to two months ahead of the workspace's today."""
    today = workspace.today()
    cycle = okr.cycle_create(
        workspace=workspace,
        name="Now",
        start=today - dt.timedelta(days=30),
        end=today + dt.timedelta(days=60),
        kind="quarter",
        actor=None,
    )
    okr.cycle_set_current(cycle=cycle, actor=None)
    return cycle


@pytest.fixture
def objective(workspace, quarter, owner, owner_user):
    return okr.objective_create(
        workspace=workspace,
        cycle=quarter,
        title="Customers love our onboarding",
        why="Churn in the first 90 days is our biggest leak",
        level="company",
        owner=owner,
        actor=owner_user,
    )


@pytest.fixture
def key_result(objective, owner, owner_user):
    return okr.key_result_create(
        objective=objective,
        title="Raise NPS of new customers from 55 to 66",
        type="increase",
        start=55,
        target=66,
        unit="points",
        owner=owner,
        actor=owner_user,
    )


# --- Browser tests: Debian's Chromium, never a downloaded browser ----------------------------


def pytest_collection_modifyitems(config, items):
    """Some tests run once, in the suite's SQLite pass, and are skipped in the PostgreSQL
    pass (DATABASE_URL set): browser tests, whose checks (scripts, layout, escaping in a
    real browser) do not depend on the database while the views they drive run on
    PostgreSQL in that pass's other tests; and tests marked ``sqlite_pass_only``, which
    start their own processes on SQLite whatever DATABASE_URL says, so a second run would
    repeat the first. This keeps `make test` within its time."""
    import os

    if not os.environ.get("DATABASE_URL"):
        return
    once = pytest.mark.skip(reason="runs once, in the suite's SQLite pass")
    browser = {"page", "browser", "context"}
    for item in items:
        if browser & set(getattr(item, "fixturenames", ())) or item.get_closest_marker(
            "sqlite_pass_only"
        ):
            item.add_marker(once)


CHROMIUM = "/usr/bin/chromium"


class _InFlight:
    """Requests the live server is still answering: a browser test's last click may still be
    writing when the test ends, and the database must not be emptied under it."""

    def __init__(self):
        import threading

        self.count, self.lock = 0, threading.Condition()

    @staticmethod
    def _served() -> bool:  # the live server's threads; the test client runs in the test's
        import threading

        return threading.current_thread() is not threading.main_thread()

    def started(self, **kwargs):
        if self._served():
            with self.lock:
                self.count += 1

    def finished(self, **kwargs):
        if self._served():
            with self.lock:
                self.count -= 1
                self.lock.notify_all()

    def wait(self, timeout: float = 15) -> None:
        with self.lock:
            self.lock.wait_for(lambda: self.count <= 0, timeout=timeout)


IN_FLIGHT = _InFlight()


@pytest.fixture
def page(page):
    """The browser's page, closed at the end of the test before the database is emptied,
    and only once the server has answered every request it had."""
    from django.core.signals import request_finished, request_started

    request_started.connect(IN_FLIGHT.started, dispatch_uid="tests-in-flight-started")
    request_finished.connect(IN_FLIGHT.finished, dispatch_uid="tests-in-flight-finished")
    yield page
    page.close()
    IN_FLIGHT.wait()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    import os

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs it with apt-get")
        pytest.skip(
            f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


# --- A private objective and the people around it ----------------------------------------------

SECRET = "Zephyr-merger"  # a word that appears only in what is private


@pytest.fixture
def secret(workspace, owner, owner_user):
    """A private yearly objective of the Secret team (its member: Ina Insider), with a key
    result, a check-in, an initiative and an annotation whose texts all carry SECRET; and
    people outside it: Tess (member), Ed (editor), Vi (viewer)."""
    from waypoint.kpis import services as kpis

    def person(email, name, role):
        return ws_services.member_ensure(
            workspace=workspace, email=email, full_name=name, role=role, actor=owner_user
        )

    insider = person("ina@acme.test", "Ina Insider", Role.MEMBER)
    outsiders = {
        "member": person("tess@acme.test", "Tess Teammate", Role.MEMBER),
        "editor": person("ed@acme.test", "Ed Editor", Role.EDITOR),
        "viewer": person("vi@acme.test", "Vi Viewer", Role.VIEWER),
    }
    team = ws_services.team_create(
        workspace=workspace, name="Secret", lead=insider, actor=owner_user
    )
    team.members.add(insider)
    year = okr.cycle_create_year(workspace=workspace, year=2026, actor=owner_user)
    objective = okr.objective_create(
        workspace=workspace,
        cycle=year,
        title=f"Close the {SECRET} quietly",
        why=f"The {SECRET} doubles our reach",
        level="team",
        owner=insider,
        teams=[team],
        private=True,
        actor=owner_user,
    )
    kr = okr.key_result_create(
        objective=objective,
        title=f"{SECRET} partners signed from 0 to 8",
        type="increase",
        start=0,
        target=8,
        owner=insider,
        actor=owner_user,
    )
    okr.checkin_create(
        key_result=kr,
        date=dt.date(2026, 2, 2),
        value=2,
        comment=f"{SECRET} call went well",
        actor=owner_user,
    )
    okr.initiative_create(key_result=kr, title=f"Draft the {SECRET} term sheet", actor=owner_user)
    kpis.annotation_create(
        workspace=workspace,
        date=dt.date(2026, 2, 3),
        text=f"{SECRET} announced to the board",
        key_result=kr,
        actor=owner_user,
    )
    return {
        "objective": objective,
        "kr": kr,
        "year": year,
        "team": team,
        "insider": insider,
        "outsiders": outsiders,
    }


def totp_code(secret: str) -> str:
    """The authenticator app's code for ``secret`` now. A code made in the last seconds of
    its 30-second window may reach the server in the next one, where it no longer counts:
    so near the end of a window, wait for the next."""
    import time

    from allauth.mfa.totp.internal import auth as totp

    left = 30 - time.time() % 30
    if left < 5:
        time.sleep(left + 0.2)
    counter = next(totp.yield_hotp_counters_from_time())
    return totp.format_hotp_value(totp.hotp_value(secret, counter))


def verified(user):
    """Mark the user's address verified, as following the confirmation mail does: logging in
    through the login page needs it (e-mail verification is mandatory by default)."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user


def url_routes() -> list[str]:
    """Every route of the URL resolver, as its pattern text (``w/<slug:slug>/krs/...``)."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    return list(walk(get_resolver().url_patterns))
