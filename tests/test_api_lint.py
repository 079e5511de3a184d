"""POST /api/v1/lint: the coach over HTTP, same document and findings as `waypoint lint`."""

import json
from pathlib import Path

SEED = (Path(__file__).parent / "coach" / "seed000.yaml").read_text()


def test_lint_takes_yaml_and_answers_findings(client, db):
    response = client.post("/api/v1/lint", SEED, content_type="application/yaml")
    assert response.status_code == 200
    rules = {(f["objective"], f["rule"]) for f in response.json()}
    assert ("Продать бронирований на 10 млн", "objective-is-metric") in rules


def test_lint_takes_json_and_a_language(client, db):
    doc = {"objectives": [{"title": "Sell for 10 million", "key_results": ["Launch a shop"]}]}
    response = client.post("/api/v1/lint?lang=pl", json.dumps(doc), content_type="application/json")
    assert response.status_code == 200
    assert {f["rule"] for f in response.json()} >= {"objective-is-metric", "kr-is-activity"}


def test_lint_refuses_unreadable_input(client, db):
    assert (
        client.post("/api/v1/lint", "objectives: [", content_type="application/yaml").status_code
        == 400
    )
    assert (
        client.post("/api/v1/lint?lang=xx", SEED, content_type="application/yaml").status_code
        == 400
    )


def test_openapi_and_docs_are_served_without_a_cdn(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/lint" in spec["paths"]
    docs = client.get("/api/v1/docs").content.decode()
    assert "cdn.jsdelivr" not in docs and "swagger-ui-bundle.js" in docs


def test_maturity_for_members_only(client, workspace, owner_user, other_workspace):
    client.force_login(owner_user)
    body = client.get("/api/v1/workspaces/acme/maturity?lang=ru").json()
    assert body["stage"] in (1, 2, 3, 4) and len(body["signals"]) == 8 and body["next_steps"]
    assert client.get("/api/v1/workspaces/rival/maturity").status_code == 404
    client.logout()
    assert client.get("/api/v1/workspaces/acme/maturity").status_code == 401


def test_maturity_with_a_token_of_the_workspace(client, workspace, owner, other_workspace):
    from waypoint.workspaces import services as ws_services

    token = ws_services.token_create(member=owner, name="bi", scope="read", actor=None)[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = client.get("/api/v1/workspaces/acme/maturity", **auth).json()
    assert body["stage"] in (1, 2, 3, 4) and len(body["signals"]) == 8
    assert client.get("/api/v1/workspaces/rival/maturity", **auth).status_code == 404
    bad = {"HTTP_AUTHORIZATION": "Bearer wp_nope"}
    assert client.get("/api/v1/workspaces/acme/maturity", **bad).status_code == 401
