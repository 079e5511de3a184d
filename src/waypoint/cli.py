"""The ``waypoint`` command: demo, serve, worker, import, export and Django's own commands.

Every command brings the database in the data directory (or at DATABASE_URL) up to date
before it runs, so it works on an empty directory and after an upgrade alike.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def _setup(migrate: bool = True) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "waypoint.settings")
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        call_command("createcachetable", verbosity=0)  # the shared cache without Redis
        from django.db import connection

        if connection.vendor == "sqlite":  # PostgreSQL's autovacuum keeps its own
            from waypoint.lib import planner

            planner.refresh()


def cmd_import(args) -> int:
    _setup()
    from waypoint.okrs import okrfile

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"{args.file}: cannot read: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        docs = okrfile.load(text, filename=args.file)
        result = okrfile.import_documents(docs, workspace_slug=args.workspace, filename=args.file)
    except okrfile.OkrFileError as exc:
        for line in exc.errors:
            print(line, file=sys.stderr)
        print(f"{args.file}: nothing was imported.", file=sys.stderr)
        return EXIT_BAD_INPUT
    cycles = ", ".join(c.name for c in result.cycles)
    if result.audit_rows:
        print(
            f"Imported {args.file} into workspace {result.workspace.slug} (cycle {cycles}): "
            f"{result.audit_rows} change(s)."
        )
    else:
        print(
            f"{args.file}: workspace {result.workspace.slug} already up to date (cycle {cycles})."
        )
    return EXIT_OK


def cmd_export(args) -> int:
    _setup()
    from waypoint.okrs import okrfile
    from waypoint.workspaces.models import Workspace

    ws = Workspace.objects.filter(slug=args.workspace).first()
    if ws is None:
        print(f"No workspace {args.workspace!r}.", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.format == "pdf":
        return _export_pdf(ws, args)
    if args.format in ("csv", "xlsx"):
        from waypoint.okrs import exports
        from waypoint.okrs.models import Cycle

        cycles = Cycle.objects.filter(workspace=ws)
        if args.cycle:
            cycles = cycles.filter(name=args.cycle)
            if not cycles.exists():
                print(f"workspace {ws.slug!r} has no cycle named {args.cycle!r}", file=sys.stderr)
                return EXIT_BAD_INPUT
        rows = [row for c in cycles for row in exports.cycle_rows(c)]
        if args.format == "xlsx":
            data = exports.to_xlsx(rows, ws.slug)
            if args.output:
                Path(args.output).write_bytes(data)
            else:
                sys.stdout.buffer.write(data)
            return EXIT_OK
        text = exports.to_csv(rows)
    else:
        try:
            text = okrfile.export_workspace(ws, args.format, cycle_name=args.cycle)
        except okrfile.OkrFileError as exc:
            print("\n".join(exc.errors), file=sys.stderr)
            return EXIT_BAD_INPUT
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _export_pdf(ws, args) -> int:
    """One cycle (the named one, else the current one, else the latest) as a PDF file in the
    workspace's language; like the other CLI exports, everything in it, private included."""
    from django.utils import translation

    from waypoint.okrs import exports, selectors
    from waypoint.okrs.models import Cycle

    if not args.output:
        print("a PDF is binary: give the file to write with -o FILE", file=sys.stderr)
        return EXIT_BAD_INPUT
    cycles = Cycle.objects.filter(workspace=ws)
    if args.cycle:
        cycle = cycles.filter(name=args.cycle).first()
    else:
        cycle = selectors.current_cycle(ws) or cycles.order_by("-start").first()
    if cycle is None:
        what = f"no cycle named {args.cycle!r}" if args.cycle else "no cycle"
        print(f"workspace {ws.slug!r} has {what}", file=sys.stderr)
        return EXIT_BAD_INPUT
    with translation.override(ws.language):
        data = exports.to_pdf(cycle, selectors.objectives_of_cycle(ws, cycle), today=ws.today())
    Path(args.output).write_bytes(data)
    return EXIT_OK


def _setup_translations_only() -> None:
    """Django with its translations and no application: what ``lint`` needs, in a tenth of
    the time of loading every app, model and the queue (the coach's rules are pure)."""
    from django.apps import apps
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            USE_I18N=True,
            LANGUAGE_CODE="en",
            LOCALE_PATHS=[Path(__file__).resolve().parent / "locale"],
            INSTALLED_APPS=[],
        )
        apps.populate([])


def cmd_lint(args) -> int:
    _setup_translations_only()
    from django.utils import translation

    from waypoint.coach import lint

    findings = []
    with translation.override(args.lang):
        for name in args.files:
            try:
                text = Path(name).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                print(f"{name}: cannot read: {exc}", file=sys.stderr)
                return EXIT_BAD_INPUT
            try:
                found = lint.lint_text(text, name)
            except lint.LintInputError as exc:
                print(str(exc), file=sys.stderr)
                return EXIT_BAD_INPUT
            findings += [(name, f) for f in found]
    if args.format == "json":
        sys.stdout.write(lint.dumps([f for _name, f in findings]))
    else:
        for name, f in findings:
            where = f.objective or ""
            if f.key_result:
                where += f" › {f.key_result}"
            print(f"{name}: {f.severity}: {f.rule}: {where}\n    {f.message}")
        errors = sum(1 for _n, f in findings if f.severity == "error")
        print(f"{len(findings)} finding(s), {errors} error(s)")
    return EXIT_FINDINGS if any(f.severity == "error" for _n, f in findings) else EXIT_OK


def _collectstatic() -> None:
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)


def web_sizes() -> tuple[int, int]:
    """gunicorn's processes and threads per process: the environment's, else one more
    process than the machine has cores, each of one thread.

    Python runs one thread of a process at a time, so a second thread adds no CPU to a
    process; it adds waits instead. A thread back from the database or the network waits
    for the running one to let go of the interpreter, and on SQLite a thread holding the
    writers' gate waits so too, with every writer of the other processes queued behind it.
    With 16 clients on two cores, four threads a process gave 105 to 153 check-ins a
    second on SQLite where one thread gave 215 to 270, and halved the cheapest request's
    rate (docs/performance.md). The extra process keeps a core busy while another waits on
    PostgreSQL. One thread a process is gunicorn's plain worker, which does not keep
    connections alive: the TLS proxy in front does (docs/operations.md)."""
    env = os.environ.get
    workers = env("WAYPOINT_WEB_WORKERS") or str((os.cpu_count() or 1) + 1)
    return int(workers), int(env("WAYPOINT_WEB_THREADS") or "1")


def _gunicorn_argv(host: str, port: int, production: bool) -> list[str]:
    """gunicorn with the sizes the environment gives, and an access log on standard output."""
    env = os.environ.get
    workers, threads = web_sizes()
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "waypoint.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        env("WAYPOINT_WEB_TIMEOUT", "60"),
        "--graceful-timeout",
        env("WAYPOINT_WEB_GRACEFUL_TIMEOUT", "10"),
        "--access-logfile",
        "-",
    ]


def production_problems(allow_sqlite: bool = False) -> list[str]:
    """What keeps this configuration from serving in production, each with its remedy."""
    from django.conf import settings
    from django.db import connection

    from waypoint.health import unapplied_migrations

    problems = []
    if connection.vendor == "sqlite" and not allow_sqlite:
        problems.append(
            "the database is SQLite: set DATABASE_URL to PostgreSQL "
            "(or pass --allow-sqlite for a single team on one machine)"
        )
    if not os.environ.get("WAYPOINT_SECRET_KEY"):
        problems.append(
            "WAYPOINT_SECRET_KEY is not set: every server needs the same one, or sessions "
            "signed by one are refused by the others"
        )
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith(("locmem.LocMemCache", "dummy.DummyCache")):
        problems.append("the cache is per process: set REDIS_URL, or rate limits count per process")
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        problems.append(
            "e-mail would be printed, not sent: set WAYPOINT_EMAIL_HOST (and its settings)"
        )
    try:
        missing = unapplied_migrations()
    except Exception as exc:
        problems.append(f"the database cannot be read: {exc}")
    else:
        if missing:
            problems.append(f"{missing} migrations are not applied: run `waypoint migrate`")
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        problems.append(
            f"static files are not collected in {settings.STATIC_ROOT}: run "
            "`waypoint collectstatic` (at build time)"
        )
    return problems


def cmd_serve(args) -> int:
    if args.production:
        # Production starts in seconds: migrations and static files are steps of their own
        # (`waypoint migrate`, `waypoint collectstatic`), checked here, never run here.
        os.environ["WAYPOINT_PRODUCTION"] = "1"
        _setup(migrate=False)
        problems = production_problems(allow_sqlite=args.allow_sqlite)
        if problems:
            print("waypoint serve --production: not starting:", file=sys.stderr)
            for problem in problems:
                print(f"  - {problem}", file=sys.stderr)
            return EXIT_BAD_INPUT
        from django.core.management import call_command

        call_command("check", deploy=True, fail_level="WARNING")
    else:
        _setup()
        _collectstatic()
    argv = _gunicorn_argv(args.host, args.port, args.production)
    os.execv(sys.executable, argv)  # noqa: S606 - replace this process with gunicorn
    return EXIT_OK  # pragma: no cover - execv does not return


def cmd_migrate(args) -> int:
    _setup()  # migrates, and creates the cache table
    print("The database is up to date.")
    return EXIT_OK


def cmd_collectstatic(args) -> int:
    _setup(migrate=False)
    from django.conf import settings

    _collectstatic()
    print(f"Static files collected in {settings.STATIC_ROOT}.")
    return EXIT_OK


def cmd_worker(args) -> int:
    """The queue's consumer, and beside it the sweep that needs only the database: jobs whose
    bell was lost, whose queue was down or whose worker died run again."""
    _setup()
    import logging
    import threading

    from django.conf import settings
    from django.core.management import call_command

    from waypoint.jobs import queue

    stop = threading.Event()
    interval = float(os.environ.get("WAYPOINT_SWEEP_SECONDS", "15"))
    threading.Thread(target=queue.sweeper, args=(interval, stop), daemon=True).start()
    logging.getLogger("waypoint.jobs").info(
        "worker started",
        extra={"threads": settings.HUEY["consumer"]["workers"], "sweep_seconds": interval},
    )
    try:
        call_command("run_huey")
    finally:
        stop.set()
    return EXIT_OK


def cmd_demo(args) -> int:
    # Links in the demo's e-mails lead to the demo's own address.
    os.environ.setdefault("WAYPOINT_URL", f"http://{args.host}:{args.port}")
    _setup()
    from django.conf import settings

    from waypoint import demo

    ws = demo.ensure_demo(progress=print)
    _collectstatic()
    url = f"http://{args.host}:{args.port}/"
    env = dict(os.environ)
    procs = [
        subprocess.Popen([sys.executable, "-m", "waypoint.cli", "worker"], env=env),
        subprocess.Popen(_gunicorn_argv(args.host, args.port, production=False), env=env),
    ]
    print()
    print(f"  Waypoint is running at {url}")
    print(f"  Workspace: {ws.name}   data: {settings.DATA_DIR}")
    print(f"  Log in as {demo.DEMO_LOGIN} with the password {demo.DEMO_PASSWORD}")
    print("  Press Ctrl+C to stop.")
    print()

    def stop(*_):
        for p in procs:
            if p.poll() is None:
                p.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
    return EXIT_OK


def cmd_seed(args) -> int:
    _setup()
    import time

    from django.core.exceptions import ValidationError

    from waypoint import seed

    started = time.monotonic()
    try:
        ws = seed.seed(
            people=args.people,
            slug=args.workspace,
            seed=args.seed,
            progress=seed.Progress(seed.STEPS, enabled=not args.quiet),
        )
    except ValidationError as exc:
        for message in exc.messages:
            print(f"waypoint seed: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from waypoint.lib import planner

    planner.refresh(bulk_loaded=True)  # committed: PostgreSQL may vacuum the new rows now
    print(
        f"Seeded {ws.slug}: {args.people:,} people in {time.monotonic() - started:.1f} s. "
        f"Log in as owner@{ws.slug}.test (or p1@{ws.slug}.test ...) with the password "
        f"{seed.PASSWORD}."
    )
    return EXIT_OK


def cmd_recompute(args) -> int:
    _setup()
    import time

    from waypoint.kpis import services as kpis
    from waypoint.okrs import rollups
    from waypoint.workspaces.models import Workspace

    workspaces = Workspace.objects.order_by("slug")
    if args.workspace:
        workspaces = workspaces.filter(slug=args.workspace)
        if not workspaces.exists():
            print(f"waypoint recompute: no workspace {args.workspace!r}", file=sys.stderr)
            return EXIT_BAD_INPUT
    corrected = 0
    for ws in workspaces:
        started = time.monotonic()
        done = rollups.recompute(ws)
        corrected += done.changed
        print(
            f"{ws.slug}: {done.objectives:,} objectives and {done.key_results:,} key results "
            f"rescored from their check-ins in {time.monotonic() - started:.2f} s; "
            f"{done.changed:,} of them needed a correction."
        )
        restated = kpis.kpis_restate(ws)
        print(f"{ws.slug}: KPI statuses judged afresh; {restated:,} changed.")
    if corrected:
        # Rewritten rows leave their old versions behind on PostgreSQL until a vacuum: after
        # 240,000 corrections at 100,000 people, the API's key result list took 55 ms
        # instead of 24 until autovacuum came round.
        from waypoint.lib import planner

        planner.refresh(bulk_loaded=True)
    return EXIT_OK


def _table_done(table: str, rows: int) -> None:
    """Progress of a backup or a restore, a line per table, on standard error."""
    print(f"  {table}: {rows:,} rows", file=sys.stderr)


def cmd_backup(args) -> int:
    _setup()
    import time

    from waypoint.workspaces import backup
    from waypoint.workspaces.models import Workspace

    if args.all:
        workspaces = list(Workspace.objects.order_by("slug"))
        folder = Path(args.output)
        folder.mkdir(parents=True, exist_ok=True)
        targets = [(ws, folder / f"{ws.slug}.jsonl.gz") for ws in workspaces]
    else:
        ws = Workspace.objects.filter(slug=args.workspace).first()
        if ws is None:
            print(f"waypoint backup: no workspace {args.workspace!r}", file=sys.stderr)
            return EXIT_BAD_INPUT
        targets = [(ws, Path(args.output))]

    for ws, target in targets:
        started = time.monotonic()
        partial = target.with_name(target.name + ".partial")  # never a half-written archive
        try:
            with partial.open("wb") as out:
                done = backup.backup(ws, out, passwords=not args.no_passwords, progress=_table_done)
            partial.replace(target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            print(f"waypoint backup: cannot write {target}: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(
            f"{ws.slug}: {done.rows:,} rows of {len(done.tables)} tables written to {target} "
            f"({target.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.1f} s."
        )
    return EXIT_OK


def cmd_restore(args) -> int:
    _setup()
    import time

    from waypoint.workspaces import backup

    for name in args.files:
        started = time.monotonic()
        try:
            with Path(name).open("rb") as src:
                header, done = backup.restore(src, progress=_table_done)
        except OSError as exc:
            print(f"waypoint restore: cannot read {name}: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except backup.BackupError as exc:
            print(f"waypoint restore: {name}: {exc}; nothing of it was written.", file=sys.stderr)
            return EXIT_BAD_INPUT
        print(
            f"{header['workspace']}: {done.rows:,} rows of {len(done.tables)} tables restored "
            f"in {time.monotonic() - started:.1f} s."
            + ("" if header.get("passwords") else " Passwords were left out: people set new ones.")
        )
    return EXIT_OK


def cmd_digest(args) -> int:
    _setup(migrate=False)
    from waypoint.workspaces import backup
    from waypoint.workspaces.models import Workspace

    ws = Workspace.objects.filter(slug=args.workspace).first()
    if ws is None:
        print(f"waypoint digest: no workspace {args.workspace!r}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for table, value in backup.digest(ws).items():
        print(f"{value}  {table}")
    return EXIT_OK


def cmd_sources(args) -> int:
    _setup(migrate=False)
    from django.utils import translation

    from waypoint.connectors.views import kind_rows

    with translation.override(args.lang):
        rows = kind_rows()
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    width = max(len(r["key"]) for r in rows)
    for r in rows:
        print(f"{r['key']:<{width}}  {r['label']}")
        print(f"{'':<{width}}  reads: {r['reads_label']}; signs in with: {r['auth_label']}")
        print(f"{'':<{width}}  pages: {r['pages']}")
    return EXIT_OK


def cmd_manage(args) -> int:
    _setup(migrate=False)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["waypoint manage", *args.rest])
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="waypoint",
        description="Waypoint: OKRs and KPIs. Data lives in WAYPOINT_DATA_DIR (or DATABASE_URL).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="load the demo workspace and serve it with the worker")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("serve", help="serve the web app (gunicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--production",
        action="store_true",
        help="secure cookies, HTTPS redirect and HSTS; refuses SQLite, a missing secret key, "
        "console e-mail, unapplied migrations, uncollected static files and failed deploy checks",
    )
    p.add_argument(
        "--allow-sqlite", action="store_true", help="in production, a single team on SQLite"
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="bring the database up to date (a deploy step)")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("collectstatic", help="collect static files (a build step)")
    p.set_defaults(func=cmd_collectstatic)

    p = sub.add_parser("worker", help="run the background worker (reminders, digests, pulls)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("import", help="import an OKR file (YAML or JSON)")
    p.add_argument("file")
    p.add_argument("--workspace", help="workspace slug (default: the file's workspace)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("lint", help="check OKR files with the coach's quality rules")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--lang", choices=["en", "ru", "zh-hans", "pl"], default="en")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("export", help="export a workspace's OKRs")
    p.add_argument("--workspace", required=True, help="workspace slug")
    p.add_argument("--format", choices=["yaml", "json", "csv", "xlsx", "pdf"], default="yaml")
    p.add_argument(
        "--cycle", help="only this cycle (default: every cycle; for pdf, the current cycle)"
    )
    p.add_argument("--output", "-o", help="write to this file instead of standard output")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("seed", help="create a synthetic organisation (load tests, benchmarks)")
    p.add_argument("--people", type=int, required=True, help="how many people (10 or more)")
    p.add_argument("--workspace", default="bigco", help="the new workspace's slug")
    p.add_argument("--seed", type=int, default=1, help="random seed: the same one, the same data")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_seed)

    p = sub.add_parser(
        "recompute", help="rebuild every stored current value, progress and score from check-ins"
    )
    p.add_argument("--workspace", help="only this workspace (its slug)")
    p.set_defaults(func=cmd_recompute)

    p = sub.add_parser("backup", help="write a workspace (or all), whole, to an archive")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--workspace", help="workspace slug")
    which.add_argument("--all", action="store_true", help="every workspace, one archive each")
    p.add_argument(
        "--output",
        "-o",
        required=True,
        help="the archive (.jsonl.gz); with --all, a folder",
    )
    p.add_argument(
        "--no-passwords", action="store_true", help="leave password hashes out (set anew)"
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="restore workspaces from backup archives")
    p.add_argument("files", nargs="+", help="archives written by waypoint backup")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("digest", help="a SHA-256 per table of a workspace's rows")
    p.add_argument("--workspace", required=True, help="workspace slug")
    p.set_defaults(func=cmd_digest)

    p = sub.add_parser("sources", help="the kinds of data source and what each reads")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--lang", choices=["en", "ru", "zh-hans", "pl"], default="en")
    p.set_defaults(func=cmd_sources)

    p = sub.add_parser("manage", help="run a Django management command", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_manage)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
