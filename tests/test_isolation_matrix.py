"""The isolation matrix: every URL pattern of the resolver and every operation of the OpenAPI
document, tried with real ids of another workspace's records and of a private objective, as
an anonymous visitor, another workspace's owner, and a viewer, member and editor outside the
private objective's team. Only 404, 403, 401 (API) or the login page come back, none of the
other side's words is in any body, spreadsheet or PDF, and nothing is written.

A new route is covered without editing this file: patterns and operations are enumerated,
ids are chosen by the word before them and fall back to every kind of record.
"""

import datetime as dt
import io
import re
import subprocess
import zipfile

import pytest
from django.apps import apps

from tests.conftest import SECRET, url_routes
from waypoint.connectors import services as connectors
from waypoint.integrations import services as hooks
from waypoint.kpis import services as kpis
from waypoint.kpis.models import Deviation
from waypoint.okrs import services as okr
from waypoint.reports import services as reports
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Role

VICTIM = "Quokka-ledger"  # in every text of the victim workspace's records

# The word before an id in a route names the kind of record it takes.
KINDS = {
    "objectives": "objective",
    "krs": "kr",
    "cycles": "cycle",
    "kpis": "kpi",
    "reports": "report",
    "teams": "team",
    "people": "member",
    "members": "member",
    "invitations": "invitation",
    "tokens": "token",
    "deviations": "deviation",
    "initiatives": "initiative",
    "webhooks": "webhook",
    "share-links": "share_link",
    "import": "upload",
    "sources": "source",
    "dashboards": "dashboard",
}
PRIVATE_KINDS = {"objective", "kr", "initiative", "source"}
API_PARAMS = {
    "objective_id": "objective",
    "kr_id": "kr",
    "cycle_id": "cycle",
    "kpi_id": "kpi",
    "report_id": "report",
}


@pytest.fixture
def world(secret, workspace, owner, owner_user, other_workspace, settings):
    """Acme holds the private objective (``secret``) and one record of every kind, each
    carrying VICTIM in its texts; Rival's owner is the attacker from outside."""
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    settings.API_RATE_PER_ADDRESS = settings.API_RATE_PER_TOKEN = "100000/m"
    year = secret["year"]
    kpi = kpis.kpi_create(
        workspace=workspace,
        name=f"{VICTIM} leads",
        warning=100,
        critical=50,
        frequency="daily",
        aggregation="last",
        owner=owner,
        actor=owner_user,
    )
    kpis.data_points_record(kpi=kpi, rows=[(dt.date(2026, 2, 2), 10)], actor=owner_user)
    report = reports.report_create(
        workspace=workspace,
        title=f"{VICTIM} report",
        period_start=dt.date(2026, 2, 1),
        period_end=dt.date(2026, 2, 28),
        summary=f"{VICTIM} summary",
        by=owner,
        actor=owner_user,
    )
    link = reports.share_link_create(report=report, days=7, actor=owner_user)
    webhook = hooks.webhook_create(
        workspace=workspace, url="http://127.0.0.1:9/h", events=["cycle.closed"], actor=None
    )
    token = ws_services.token_create(member=owner, name=VICTIM, scope="write", actor=None)[0]
    invitation = ws_services.invitation_create(
        workspace=workspace, email="new@acme.test", role=Role.MEMBER, actor=owner_user
    )
    upload = apps.get_model("imports", "Upload").objects.create(
        workspace=workspace, created_by=owner, kind="okrs", filename=f"{VICTIM}.csv", data=b"a"
    )
    public = okr.objective_create(
        workspace=workspace,
        cycle=year,
        title=f"{VICTIM} for everyone",
        level="company",
        owner=owner,
        actor=owner_user,
    )
    # A source on the private key result (private with it) and one on the KPI.
    kr_source = connectors.source_save(
        workspace=workspace, kind="catch_hook", values={}, key_result=secret["kr"], actor=None
    )
    kpi_source = connectors.source_save(
        workspace=workspace,
        kind="http_json",
        values={"url": "http://127.0.0.1:9/x", "path": f"$.{VICTIM}"},
        kpi=kpi,
        actor=None,
    )
    from waypoint.reports import dashboards

    board = dashboards.dashboard_save(
        workspace=workspace,
        actor=None,
        name=f"{VICTIM} board",
        blocks=[{"type": "text", "text": VICTIM}, {"type": "okrs"}],
    )
    rival_owner = other_workspace.members.get()
    ids = {
        "objective": [secret["objective"].pk, public.pk],
        "kr": [secret["kr"].pk],
        "initiative": [secret["kr"].initiatives.get().pk],
        "cycle": [year.pk],
        "kpi": [kpi.pk],
        "report": [report.pk],
        "team": [secret["team"].pk],
        "member": [owner.pk],
        "invitation": [invitation.pk],
        "token": [token.pk],
        "deviation": list(Deviation.objects.filter(kpi=kpi).values_list("pk", flat=True)),
        "webhook": [webhook.pk],
        "share_link": [link.pk],
        "upload": [upload.pk],
        "source": [kr_source.pk, kpi_source.pk],
        "dashboard": [board.pk],
    }
    return {
        "ids": ids,
        "rival": rival_owner,
        "outsiders": secret["outsiders"],
        "private_ids": {k: v[:1] for k, v in ids.items() if k in PRIVATE_KINDS},
    }


# --- What may come back ------------------------------------------------------------------------


def texts(response) -> str:
    """Everything a person could read in the answer: HTML, JSON, CSV, XLSX cells, PDF text."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "pdf" in kind:
        done = subprocess.run(["pdftotext", "-", "-"], input=body, capture_output=True, check=False)
        return done.stdout.decode(errors="replace")
    if "spreadsheet" in kind or body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return " ".join(z.read(n).decode(errors="replace") for n in z.namelist())
    return body.decode(errors="replace")


def refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def rows_written() -> dict[str, int]:
    """Rows in every table of Waypoint's apps (sessions, the cache and the rate-limit
    counters, which every request writes, excluded)."""
    return {
        model._meta.label: model.objects.count()
        for app in (
            "workspaces",
            "okrs",
            "kpis",
            "coach",
            "integrations",
            "connectors",
            "reports",
            "imports",
        )
        for model in apps.get_app_config(app).get_models()
        if model._meta.label != "workspaces.RateCount"
    }


# --- The web: every route of the resolver -------------------------------------------------------


def routes():
    skip = ("admin/", "accounts/", "api/", "i18n/", "static/", "vendor/")
    return [r for r in url_routes() if not r.startswith(skip)]


def fill(route: str, slug: str, ids: dict) -> list[tuple[str, str | None]]:
    """Each URL of the route with real ids: (url, the kind of record its id is)."""
    out = [("", None)]
    for part in re.split(r"(<[^>]+>)", route):
        if not part.startswith("<"):
            out = [(u + part, k) for u, k in out]
            continue
        name = part[1:-1].rpartition(":")[2]
        if name == "slug":
            values = [(slug, None)]
        elif name == "token":
            values = [("x" * 32, None)]
        elif name == "fmt":
            values = [(f, None) for f in ("csv", "xlsx", "pdf", "yaml", "json")]
        elif name == "direction":
            values = [("up", None)]
        else:
            word = out[0][0].rstrip("/").rsplit("/", 1)[-1]
            kind = KINDS.get(word) or ("cycle" if name == "cycle_pk" else None)
            kinds = [kind] if kind else list(ids)
            values = [(str(i), k) for k in kinds for i in ids.get(k, [])]
        out = [(u + v, kv or k) for u, k in out for v, kv in values]
    return [("/" + u, k) for u, k in out]


def visit(client, url):
    """GET the URL; a view that takes only POST is POSTed (an empty form)."""
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url, {})
    return response


def test_the_matrix_covers_every_route():
    found = routes()
    assert len(found) > 80 and any("objectives/<int:pk>" in r for r in found)


@pytest.mark.parametrize("who", ["anonymous", "rival"])
def test_outsiders_get_nothing_from_any_route(client, world, who):
    if who == "rival":
        client.force_login(world["rival"].user)
    before = rows_written()
    tried = 0
    for route in routes():
        if not route.startswith("w/"):
            continue
        for slug in ("acme", "rival") if who == "rival" else ("acme",):
            for url, _kind in fill(route, slug, world["ids"]):
                if slug == "rival" and not re.search(r"/\d+/", url):
                    continue  # the rival's own pages without an id are theirs to see
                response = visit(client, url)
                tried += 1
                assert refused(response), (url, response.status_code)
                body = texts(response)
                assert VICTIM not in body and SECRET not in body, url
    assert rows_written() == before
    print(f"isolation, web, {who}: {tried} requests")
    assert tried > (150 if who == "rival" else 90)


@pytest.mark.parametrize("role", ["viewer", "member", "editor"])
def test_people_outside_the_team_reach_nothing_of_the_private_objective(client, world, role):
    person = world["outsiders"][role]
    client.force_login(person.user)
    before = rows_written()
    tried = 0
    for route in routes():
        if not route.startswith("w/"):
            continue
        for url, kind in fill(route, "acme", world["ids"]):
            if kind in PRIVATE_KINDS:
                if kind == "objective" and str(world["ids"]["objective"][1]) in url:
                    continue  # the public objective: theirs to see
                public_source = f"/sources/{world['ids']['source'][1]}/"
                if kind == "source" and ("/sources/" not in url or public_source in url):
                    continue  # the KPI's source (an editor's to manage), or not a source's route
                response = visit(client, url)
                assert refused(response), (url, response.status_code)
            else:
                response = client.get(url)  # reading only: their own writes are allowed
            tried += 1
            assert SECRET not in texts(response), url
    assert rows_written() == before
    print(f"isolation, web, {role} outside the team: {tried} requests")
    assert tried > 80


# --- The API: every operation of the OpenAPI document --------------------------------------------


def operations(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            yield path, method, op, spec


def _schema(spec, schema):
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def body_for(spec, op, ids_of):
    """A valid-looking body from the schema, every *_id naming the record under test."""
    content = (op.get("requestBody") or {}).get("content", {})
    if "application/json" not in content:
        return None
    schema = _schema(spec, content["application/json"]["schema"])
    if schema.get("type") == "array":
        return [body_for_object(spec, _schema(spec, schema["items"]), ids_of)]
    return body_for_object(spec, schema, ids_of)


def body_for_object(spec, schema, ids_of):
    out = {}
    for name, prop in (schema.get("properties") or {}).items():
        prop = _schema(spec, prop)
        kinds = [p.get("type") for p in prop.get("anyOf", [prop])]
        formats = [p.get("format") for p in prop.get("anyOf", [prop])]
        if name.endswith("_id") or name.endswith("_ids"):
            value = ids_of(name)
            out[name] = [value] if name.endswith("_ids") else value
        elif "date" in formats:
            out[name] = "2026-02-02"
        elif "number" in kinds or "integer" in kinds:
            out[name] = 1
        elif "boolean" in kinds:
            out[name] = False
        elif "string" in kinds:
            out[name] = "x"
    return out


def api_call(client, method, url, token, body):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if body is None:
        return getattr(client, method)(url, **headers)
    import json

    return getattr(client, method)(
        url, data=json.dumps(body), content_type="application/json", **headers
    )


def test_every_api_operation_refuses_another_workspaces_ids(client, world):
    rival_token = ws_services.token_create(
        member=world["rival"], name="x", scope="write", actor=None
    )[1]
    ids = world["ids"]
    kind_of = {
        **API_PARAMS,
        "key_result_id": "kr",
        "owner_id": "member",
        "team_id": "team",
        "team_ids": "team",
        "parent_id": "objective",
        "lead_id": "member",
        "process_id": "kpi",
    }

    def ids_of(name):
        return ids.get(kind_of.get(name, "objective"), [1])[0]

    before = rows_written()
    tried = 0
    for path, method, op, spec in operations(client):
        url = re.sub(r"\{(\w+)\}", lambda m: "acme" if m[1] == "slug" else str(ids_of(m[1])), path)
        body = body_for(spec, op, ids_of)
        if "{" not in path and not any(
            k.endswith(("_id", "_ids")) for k in (body[0] if isinstance(body, list) else body or {})
        ):
            continue  # acts on the caller's own workspace only (lint, lists): below
        for token in (None, rival_token):
            response = api_call(client, method, url, token, body)
            tried += 1
            if response.status_code == 200 and method == "get" and "{" not in path:
                # A list of the rival's own workspace, filtered by Acme's id: nothing in it.
                assert VICTIM not in texts(response) and SECRET not in texts(response)
                continue
            assert response.status_code in (401, 403, 404), (
                method,
                url,
                response.status_code,
                response.content[:200],
            )
            assert VICTIM not in texts(response) and SECRET not in texts(response)
    # Lists and the coach answer the rival about their own workspace, never about Acme.
    for path, method, _op, _spec in operations(client):
        if method == "get" and "{" not in path:
            response = api_call(client, "get", path, rival_token, None)
            assert response.status_code == 200, path
            assert VICTIM not in texts(response) and SECRET not in texts(response)
            tried += 1
    assert rows_written() == before
    print(f"isolation, API, anonymous and rival: {tried} requests")
    assert tried >= 50


@pytest.mark.parametrize("role", ["viewer", "member", "editor"])
def test_api_tokens_of_people_outside_the_team_reach_nothing_private(client, world, role):
    person = world["outsiders"][role]
    token = ws_services.token_create(member=person, name="t", scope="write", actor=None)[1]
    private = world["private_ids"]
    kind_of = {"objective_id": "objective", "kr_id": "kr", "key_result_id": "kr"}
    before = rows_written()
    tried = 0
    for path, method, op, spec in operations(client):
        names = set(re.findall(r"\{(\w+)\}", path))
        body_names = set(
            (
                _schema(
                    spec,
                    (op.get("requestBody") or {})
                    .get("content", {})
                    .get("application/json", {})
                    .get("schema", {}),
                )
                or {}
            ).get("properties", {})
        )
        touches_private = (names | body_names) & set(kind_of)
        if not touches_private:
            if method == "get":
                response = api_call(client, "get", path, token, None)
                if "{" not in path:
                    assert SECRET not in texts(response), path
                    tried += 1
            continue

        def ids_of(name):
            kind = kind_of.get(name)
            if kind:
                return private[kind][0]
            return {"cycle_id": world["ids"]["cycle"][0]}.get(name, 1)

        url = re.sub(r"\{(\w+)\}", lambda m: "acme" if m[1] == "slug" else str(ids_of(m[1])), path)
        response = api_call(client, method, url, token, body_for(spec, op, ids_of))
        tried += 1
        if method == "get" and "{" not in path:
            # A list filtered by a private id: it may answer, empty.
            assert response.status_code in (200, 404), (url, response.status_code)
        else:
            assert response.status_code in (403, 404), (method, url, response.status_code)
        assert SECRET not in texts(response), (method, url)
    assert rows_written() == before
    print(f"isolation, API, {role} outside the team: {tried} requests")
    assert tried >= 15
