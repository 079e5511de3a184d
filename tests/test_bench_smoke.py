"""`make bench` cannot rot: the harness runs end to end on a tiny organisation (no timing is
judged here; the figures are for `make bench`)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# The bench runs on SQLite whatever DATABASE_URL says: once, in the suite's SQLite pass.
pytestmark = pytest.mark.sqlite_pass_only
BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"


def test_the_bench_runs_end_to_end_and_writes_its_results(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.pop("WAYPOINT_WORKER_IMMEDIATE", None)
    env.pop("WAYPOINT_MANIFEST_STATIC", None)
    out = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--smoke",
            "--data-dir",
            str(tmp_path / "data"),
            "--out",
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["people"] == 30
    assert {p["status"] for p in results["pages"].values()} == {200}
    assert all(p["queries"] for p in results["pages"].values())
    assert results["checkins"]["errors"] == 0
    assert results["checkins_one_key_result"]["errors"] == 0
    assert results["ingestion_api"]["status"] == 200
    for key in (
        "ingestion_service",
        "recompute_s",
        "recompute_all_stale_s",
        "lint",
        "web_worker_peak_rss_mb",
    ):
        assert key in results
    assert "Waypoint bench: 30 people" in done.stdout
    assert {lang: f["found"] for lang, f in results["search"].items()} == {
        "en": True,
        "ru": True,
        "zh": True,
        "pl": True,
    }
    # Every data source the bench made was pulled, all 30 values each.
    for figures in results["sources"].values():
        assert figures["pulled_ok"] == figures["sources"] and figures["per_minute"] > 0
    backup = results["backup"]
    assert backup["digest_equal"] is True and backup["rows"] > 1000 and backup["tables"] > 20
