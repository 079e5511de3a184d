"""The REST API (django-ninja) under /api/v1/. Thin: it calls the same code as the web app.

OpenAPI at /api/v1/openapi.json; interactive docs at /api/v1/docs, served from the
package's own static files (no CDN).
"""

import json
import logging
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from waypoint.coach import lint
from waypoint.okrs import okrfile

log = logging.getLogger(__name__)

# Every error answer an operation can give, listed in the OpenAPI document.
ERROR_ANSWERS = {
    400: "The request cannot be read",
    401: "No valid token or session",
    403: "The token or role may not do this",
    404: "Not found, or not in the token's workspace",
    409: "Conflicts with the current state",
    413: "The request body is too large",
    422: "The input is not valid (the detail names the field)",
    429: "Too many requests: wait for Retry-After seconds",
    503: "Waypoint is busy or starting: retry later",
}


class Problem(Schema):
    """An error as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str


class WaypointAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
            Problem.model_json_schema()
        )
        ref = {"$ref": "#/components/schemas/Problem"}
        for path in schema["paths"].values():
            for operation in path.values():
                responses = operation.setdefault("responses", {})
                for code, text in ERROR_ANSWERS.items():
                    responses.setdefault(
                        code,
                        {
                            "description": text,
                            "content": {"application/problem+json": {"schema": ref}},
                        },
                    )
        return schema


api = WaypointAPI(
    title="Waypoint API",
    version="1",
    description="OKRs, KPIs and the coach. The README describes every resource and error.",
    urls_namespace="api",
)


def problem(status: int, detail: str, **extra) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type="application/problem+json",
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    response = problem(exc.status_code, str(exc))
    if exc.status_code == 401 and isinstance(exc, AuthenticationError):
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def _invalid_input(request, exc: ValidationError):
    fields = [".".join(str(p) for p in e.get("loc", ())) for e in exc.errors]
    detail = "; ".join(f"{f}: {e.get('msg', '')}" for f, e in zip(fields, exc.errors, strict=True))
    return problem(422, detail or "invalid input", errors=exc.errors)


@api.exception_handler(DjangoValidationError)
def _service_refused(request, exc: DjangoValidationError):
    detail = exc.message_dict if hasattr(exc, "message_dict") else {"__all__": exc.messages}
    return problem(422, "; ".join(f"{k}: {' '.join(v)}" for k, v in detail.items()))


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return problem(413, "The request body is too large.")


@api.exception_handler(Exception)
def _server_error(request, exc: Exception):
    # Busy (a locked SQLite, a database restarting) is worth a retry; anything else is ours.
    if isinstance(exc, OperationalError):
        log.warning("API busy: %s", exc)
        response = problem(503, "Waypoint is busy: retry in a few seconds.")
        response["Retry-After"] = "5"
        return response
    if isinstance(exc, OverflowError | DatabaseError):
        log.warning("API input out of range: %s", exc)
        return problem(422, "A number in the request is out of range.")
    log.exception("API error")
    return problem(500, "Internal error: it has been logged.")


from .resources import TokenAuth  # noqa: E402 - after the api object
from .resources import router as resources  # noqa: E402

api.add_router("/", resources)


class FindingOut(Schema):
    rule: str
    severity: str
    objective: str | None
    key_result: str | None
    message: str


LANGS = {"en", "ru", "zh-hans", "pl"}


@api.post(
    "/lint",
    response=list[FindingOut],
    auth=[TokenAuth(), django_auth],
    summary="Check an OKR document with the coach",
    tags=["coach"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
def lint_document(request: HttpRequest, lang: str = "en"):
    """The same document as `waypoint lint` takes (YAML or JSON in the body); the same
    findings, in `lang` (en, ru, zh-hans, pl). With a token or a logged-in session. 400 for
    unreadable input (YAML aliases, nesting deeper than 32, more than 2,000 objectives);
    413 for a body over 1 MB, refused before it is read."""
    if lang not in LANGS:
        raise HttpError(400, f"lang must be one of {sorted(LANGS)}")
    limits = okrfile.UPLOAD_LIMITS
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > limits.max_bytes:
        raise HttpError(413, f"The document is larger than {limits.max_bytes} bytes.")
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, "the body must be UTF-8 text") from exc
    with translation.override(lang):
        try:
            findings = lint.lint_text(body, "request", limits=limits)
        except lint.LintInputError as exc:
            raise HttpError(400, str(exc)) from exc
        return lint.as_json(findings)


# --- Maturity (seed 000) ----------------------------------------------------------------------


class SignalOut(Schema):
    name: str
    value: str
    stage: int
    evidence: str


class MaturityOut(Schema):
    stage: int
    stage_name: str
    signals: list[SignalOut]
    next_steps: list[str]


@api.get(
    "/workspaces/{slug}/maturity",
    response=MaturityOut,
    auth=[TokenAuth(), django_auth],
    summary="Where the workspace stands on the four stages of OKR practice",
    tags=["coach"],
)
def workspace_maturity(request: HttpRequest, slug: str, lang: str = "en"):
    """The maturity diagnostic of seed 000, with the evidence for each signal and the next
    steps. With a token (of this workspace) or a logged-in session; 404 for a workspace the
    caller is not a member of."""
    from waypoint.coach import maturity, selectors
    from waypoint.workspaces.models import ApiToken, Workspace
    from waypoint.workspaces.selectors import member_of

    if lang not in LANGS:
        raise HttpError(400, f"lang must be one of {sorted(LANGS)}")
    if isinstance(request.auth, ApiToken):
        workspace = request.auth.workspace if request.auth.workspace.slug == slug else None
    else:
        workspace = Workspace.objects.filter(slug=slug).first()
        if workspace is not None and member_of(workspace, request.user) is None:
            workspace = None
    if workspace is None:
        raise HttpError(404, "Not Found")
    with translation.override(lang):
        d = maturity.diagnose(selectors.maturity_facts_today(workspace))
        return {
            "stage": d.stage,
            "stage_name": str(d.stage_name),
            "signals": [s.__dict__ for s in d.signals],
            "next_steps": d.next_steps,
        }
