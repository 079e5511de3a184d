"""Shared personas: an owner, a teammate, an outsider from another workspace."""

import datetime as dt

import pytest

from waypoint.okrs import services as okr
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Role


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

CHROMIUM = "/usr/bin/chromium"


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
