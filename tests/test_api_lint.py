"""POST /api/v1/lint: the coach over HTTP, same document and findings as `waypoint lint`,
for a token or a session, bounded in size, depth, aliases and time."""

import json
import resource
import time
from pathlib import Path

import pytest

from waypoint.workspaces import services as ws_services

SEED = (Path(__file__).parent / "coach" / "seed000.yaml").read_text()


@pytest.fixture
def auth(owner):
    token = ws_services.token_create(member=owner, name="lint", scope="read", actor=None)[1]
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def lint(client, auth, body, content_type="application/yaml", query=""):
    return client.post(f"/api/v1/lint{query}", body, content_type=content_type, **auth)


def test_lint_takes_yaml_and_answers_findings(client, auth):
    response = lint(client, auth, SEED)
    assert response.status_code == 200
    rules = {(f["objective"], f["rule"]) for f in response.json()}
    assert ("Продать бронирований на 10 млн", "objective-is-metric") in rules


def test_lint_takes_json_and_a_language(client, auth):
    doc = {"objectives": [{"title": "Sell for 10 million", "key_results": ["Launch a shop"]}]}
    response = lint(client, auth, json.dumps(doc), "application/json", "?lang=pl")
    assert response.status_code == 200
    assert {f["rule"] for f in response.json()} >= {"objective-is-metric", "kr-is-activity"}


def test_lint_refuses_unreadable_input(client, auth):
    assert lint(client, auth, "objectives: [").status_code == 400
    assert lint(client, auth, SEED, query="?lang=xx").status_code == 400


def test_lint_needs_a_token_or_a_session(client, owner_user, db):
    assert client.post("/api/v1/lint", SEED, content_type="application/yaml").status_code == 401
    client.force_login(owner_user)
    assert client.post("/api/v1/lint", SEED, content_type="application/yaml").status_code == 200


def test_openapi_and_docs_are_served_without_a_cdn(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/lint" in spec["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn.jsdelivr" not in docs and "swagger-ui-bundle.js" in docs


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


ALIAS_BOMB = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
objectives: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def _many_objectives(n: int) -> str:
    one = "- title: Customers love our onboarding\n  key_results: [Raise NPS from 55 to 66]\n"
    return "objectives:\n" + one * n


@pytest.mark.parametrize(
    "body, status, says",
    [
        (ALIAS_BOMB, 400, "aliases"),
        ("[" * 50_000 + "]" * 50_000, 400, "nest"),
        ("{" * 50_000 + "}" * 50_000, 400, "nest"),
        ("a:\n" + "".join("  " * i + "- \n" for i in range(1, 60)), 400, "nested deeper"),
        (_many_objectives(2_001), 400, "more than 2000 objectives"),
        ("#" + "x" * (2 * 1024 * 1024), 413, "larger than"),
    ],
    ids=["alias-bomb", "deep-list", "deep-map", "deep-block", "too-many-objectives", "2-MB"],
)
def test_hostile_documents_get_a_clear_4xx_within_a_second(client, auth, body, status, says):
    before = _rss_mb()
    started = time.monotonic()
    response = lint(client, auth, body)
    elapsed = time.monotonic() - started
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    assert says in response.json()["detail"]
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    assert _rss_mb() - before < 200
