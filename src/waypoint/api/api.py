"""The REST API (django-ninja) under /api/v1/. Thin: it calls the same code as the web app.

OpenAPI at /api/v1/openapi.json; interactive docs at /api/v1/docs, served from the
package's own static files (no CDN).
"""

from django.http import HttpRequest
from django.utils import translation
from ninja import NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from waypoint.coach import lint

api = NinjaAPI(
    title="Waypoint API",
    version="1",
    description="OKRs, KPIs and the coach. See PRODUCT.md for the public contracts.",
    urls_namespace="api",
)


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
    findings, in `lang` (en, ru, zh-hans, pl). 400 for unreadable input."""
    if lang not in LANGS:
        raise HttpError(400, f"lang must be one of {sorted(LANGS)}")
    try:
        body = request.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, "the body must be UTF-8 text") from exc
    with translation.override(lang):
        try:
            findings = lint.lint_text(body, "request")
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
        d = maturity.diagnose(selectors.maturity_facts(workspace, workspace.today()))
        return {
            "stage": d.stage,
            "stage_name": str(d.stage_name),
            "signals": [s.__dict__ for s in d.signals],
            "next_steps": d.next_steps,
        }
