"""The bench's measurements that run inside Django, on the bench's database:

    python bench/inprocess.py exists SLUG
    python bench/inprocess.py ids SLUG             the records the pages are opened with
    python bench/inprocess.py queries SLUG PAGES   SQL queries each page makes (PAGES: JSON)
    python bench/inprocess.py figures SLUG N       ingestion, scores and the coach, timed
    python bench/inprocess.py sources SLUG N       N data sources pulled by one worker

Each prints one line of JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time


def exists(slug):
    from waypoint.workspaces.models import Workspace

    return Workspace.objects.filter(slug=slug).exists()


def ids(slug):
    from waypoint.kpis.models import Kpi
    from waypoint.okrs.models import Cycle, KeyResult, Objective
    from waypoint.reports.models import Report
    from waypoint.workspaces import services as ws_services
    from waypoint.workspaces.models import ApiToken, Member, Team

    owner = Member.objects.get(workspace__slug=slug, role="owner")
    ApiToken.objects.filter(member=owner, name="bench").delete()
    token = ws_services.token_create(member=owner, name="bench", scope="write", actor=None)[1]
    of = {"workspace__slug": slug}
    objective = Objective.objects.filter(**of, level="team").order_by("id").first().pk
    return {
        "cycle": Cycle.objects.get(**of, is_current=True).pk,
        "objective": objective,
        "kr": KeyResult.objects.filter(**of, owner=owner).order_by("id").first().pk,
        # Sixteen people's own key results in the current cycle, for writers side by side;
        # not those of the objective page measured, so that a run measures the same page as
        # the run before it.
        "krs": list(
            KeyResult.objects.filter(**of, objective__cycle__is_current=True)
            .exclude(objective_id=objective)
            .exclude(type="milestone")  # the writers send numbers, not done or not
            .order_by("id")
            .values_list("pk", flat=True)[:16]
        ),
        "kpi": Kpi.objects.filter(**of).order_by("id").first().pk,
        "report": Report.objects.filter(**of).first().pk,
        "team": Team.objects.filter(**of).order_by("id").first().pk,
        "member": Member.objects.filter(**of, role="member").order_by("id")[1].pk,
        "token": token,
    }


def queries(slug, pages):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from waypoint.workspaces.models import ApiToken, Member

    client = Client(HTTP_HOST="127.0.0.1")
    owner = Member.objects.get(workspace__slug=slug, role="owner")
    client.force_login(owner.user)
    token = ApiToken.objects.filter(member=owner, name="bench").first()
    out = {}
    for name, url in pages.items():
        headers = {}
        if url.startswith("/api/") and token:
            # The bench's token is stored hashed: a fresh one for this count.
            from waypoint.workspaces import services as ws_services

            raw = ws_services.token_create(member=owner, name="q", scope="read", actor=None)[1]
            headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        with CaptureQueriesContext(connection) as ctx:
            client.get(url, **headers)
        out[name] = len(ctx.captured_queries)
    ApiToken.objects.filter(member=owner, name="q").delete()
    return out


def figures(slug, n):
    from django.db import connection, transaction

    from waypoint.coach import selectors as coach
    from waypoint.kpis import services as kpis
    from waypoint.kpis.models import DataPoint, Kpi
    from waypoint.okrs import rollups
    from waypoint.okrs.models import Cycle, KeyResult, Objective
    from waypoint.workspaces.models import Workspace

    ws = Workspace.objects.get(slug=slug)
    first = dt.date(1900, 1, 1)
    rows = [(first + dt.timedelta(days=i), float(i % 97)) for i in range(n)]
    stamp = f"{time.time():.0f}"
    kpi = kpis.kpi_create(workspace=ws, name=f"Bench service {stamp}", actor=None)
    started = time.perf_counter()
    kpis.data_points_record(kpi=kpi, rows=rows, actor=None)
    service = time.perf_counter() - started
    plain_kpi = kpis.kpi_create(workspace=ws, name=f"Bench plain {stamp}", actor=None)
    now = "2026-01-01 00:00:00"
    table = DataPoint._meta.db_table
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.executemany(
            f"INSERT INTO {table} (workspace_id, kpi_id, date, value, created_at, updated_at) "  # noqa: S608 - a model's own table name
            "VALUES (%s, %s, %s, %s, %s, %s)",
            [(ws.pk, plain_kpi.pk, d, v, now, now) for d, v in rows],
        )
    plain = time.perf_counter() - started
    out = {
        "ingestion_service": {
            "points": n,
            "points_per_s": round(n / service),
            "plain_executemany_points_per_s": round(n / plain),
            "ratio_to_plain": round(plain / service, 2),
        }
    }
    started = time.perf_counter()
    done = rollups.recompute(ws)
    out["recompute_s"] = round(time.perf_counter() - started, 2)
    # The worst case: every stored value wrong, so every row is rewritten.
    KeyResult.objects.filter(workspace=ws).update(progress=-1, current_value=None)
    Objective.objects.filter(workspace=ws).update(score=-1)
    started = time.perf_counter()
    rewritten = rollups.recompute(ws)
    out["recompute_all_stale_s"] = round(time.perf_counter() - started, 2)
    from waypoint.lib import planner

    planner.refresh(bulk_loaded=True)  # as `waypoint recompute` does after corrections
    out["recompute_rows"] = {
        "key_results": done.key_results,
        "objectives": done.objectives,
        "rewritten": rewritten.changed,
    }
    cycle = Cycle.objects.get(workspace=ws, is_current=True)
    started = time.perf_counter()
    coach.cycle_review(ws, cycle)
    out["coach_cycle_review_s"] = round(time.perf_counter() - started, 2)
    out["search"] = search_figures(ws, cycle)
    Kpi.objects.filter(pk__in=[kpi.pk, plain_kpi.pk]).delete()
    # The API's ingestion KPI too: the next run's pages measure the seeded workspace alone.
    Kpi.objects.filter(workspace=ws, name__startswith="Bench ingestion").delete()
    return out


SEARCH_TITLES = {
    "en": ("Customers love our onboarding wizard", "wizard"),
    "ru": ("Увеличить удовлетворённость клиентов сервисом", "клиентов"),
    "zh": ("提高客户满意度和续约率", "满意度"),
    "pl": ("Zwiększyć zadowolenie klientów w Łodzi", "łodzi"),
}


def search_figures(ws, cycle, runs=20):
    """A word of an objective's title found in each language, as the reader with the least
    rights (a member, who sees no private objective but their own) finds it."""
    from waypoint.okrs import services as okr
    from waypoint.okrs.models import Objective
    from waypoint.search.selectors import search
    from waypoint.workspaces.models import Member, Role

    reader = Member.objects.filter(workspace=ws, role=Role.MEMBER).first()
    out = {}
    for lang, (title, word) in SEARCH_TITLES.items():
        made = Objective.objects.filter(workspace=ws, cycle=cycle, title=title).first()
        made = made or okr.objective_create(workspace=ws, cycle=cycle, title=title, actor=None)
        times = []
        for _run in range(runs):
            started = time.perf_counter()
            found = search(ws, reader, word)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        out[lang] = {
            "word": word,
            "found": made.pk in [o.pk for o in found.objectives],
            "median_ms": round(times[len(times) // 2], 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        }
    return out


def sources(slug, n, latency_ms=0):
    """N HTTP JSON sources (30 days of values each) against a local server answering after
    ``latency_ms``, pulled the way one worker pulls them: the schedule claims the due ones
    and the jobs run one after another. Sources pulled per minute, and the time a pull
    spends in Waypoint (the answer's wait taken out)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from django.conf import settings
    from huey.contrib.djhuey import HUEY

    from waypoint.connectors import services
    from waypoint.connectors.models import Source
    from waypoint.jobs import queue
    from waypoint.jobs.models import Job
    from waypoint.kpis import services as kpis
    from waypoint.kpis.models import Kpi
    from waypoint.workspaces.models import Workspace

    start = dt.date(2026, 1, 1)
    body = json.dumps(
        {
            "rows": [
                {"date": (start + dt.timedelta(days=i)).isoformat(), "value": i} for i in range(30)
            ]
        }
    ).encode()

    class Answer(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            time.sleep(latency_ms / 1000)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    HUEY.immediate = False  # the jobs wait in the queue; this process is the one worker
    ws = Workspace.objects.get(slug=slug)
    stamp = f"{time.time():.0f}"
    made = []
    for i in range(n):
        kpi = kpis.kpi_create(workspace=ws, name=f"Bench source {stamp} {i}", actor=None)
        made.append(kpi.pk)
        services.source_save(
            workspace=ws,
            kind="http_json",
            values={"url": f"http://127.0.0.1:{server.server_address[1]}/v", "path": "$.rows[*]"},
            kpi=kpi,
            actor=None,
        )
    started = time.perf_counter()
    services.claim_due()
    jobs = list(
        Job.objects.filter(kind="sources.pull", status="queued").values_list("pk", flat=True)
    )
    for job in jobs:
        queue.run(job)
    elapsed = time.perf_counter() - started
    ok = Source.objects.filter(kpi__in=made, failures=0, last_count=30).count()
    server.shutdown()
    HUEY.flush()
    Kpi.objects.filter(pk__in=made).delete()
    Job.objects.filter(pk__in=jobs).delete()
    return {
        "sources": n,
        "pulled_ok": ok,
        "vendor_latency_ms": latency_ms,
        "per_minute": round(n / elapsed * 60),
        "ms_per_pull": round(elapsed / n * 1000, 1),
        "waypoint_ms_per_pull": round(elapsed / n * 1000 - latency_ms, 1),
    }


if __name__ == "__main__":
    from waypoint.cli import _setup

    _setup()
    command, slug, *rest = sys.argv[1:]
    if command == "exists":
        result = exists(slug)
    elif command == "ids":
        result = ids(slug)
    elif command == "queries":
        result = queries(slug, json.loads(rest[0]))
    elif command == "sources":
        result = {
            "local": sources(slug, int(rest[0])),
            "vendor_100ms": sources(slug, max(int(rest[0]) // 10, 5), latency_ms=100),
        }
    else:
        result = figures(slug, int(rest[0]))
    print(json.dumps(result))
