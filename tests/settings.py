"""Settings for the test suite: the real ones, read after a test environment is in place."""

import os
import tempfile

# A private data directory, jobs run inline, plain static storage (the manifest one needs
# collectstatic first). Set before waypoint.settings reads the environment.
os.environ.setdefault("WAYPOINT_DATA_DIR", tempfile.mkdtemp(prefix="waypoint-test-"))
os.environ["WAYPOINT_WORKER_IMMEDIATE"] = "1"
os.environ["WAYPOINT_MANIFEST_STATIC"] = "0"

from waypoint.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only

# Browser tests drive a live server from pytest's (async-capable) thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# The suite's SQLite database lives in memory, one per test process, as with Django's own
# SQLite backend (pytest-django names a file per process for any other engine).
if "sqlite" in DATABASES["default"]["ENGINE"]:  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}  # noqa: F405
