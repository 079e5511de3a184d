"""schemathesis over /api/v1/openapi.json with a write token: generated requests to every
operation (about 25 examples each) get no server error, answers that match the document's
schemas, and only the status codes the document lists."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from waypoint.workspaces import services as ws_services

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(db, settings):
    from django.core.signals import request_finished, request_started
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    settings.API_RATE_PER_ADDRESS = settings.API_RATE_PER_TOKEN = "1000000/m"
    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(workspace, owner, key_result):
    return ws_services.token_create(member=owner, name="fuzz", scope="write", actor=None)[1]


def test_the_api_answers_every_generated_request_as_documented(api_schema, token):
    headers = {"Authorization": f"Bearer {token}"}
    failures, cases, operations = {}, [0], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            cases[0] += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # one operation's failure must not hide the others'
            failures[operation.label] = str(exc)[:2000]
    print(f"schemathesis: {operations} operations, {cases[0]} cases")
    assert operations >= 30
    assert not failures, "\n\n".join(f"{k}: {v}" for k, v in failures.items())
