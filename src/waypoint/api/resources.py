"""The API's resources, authenticated by personal access tokens (Authorization: Bearer wp_…).

A token belongs to one workspace and acts as the member who made it: their role and the
token's scope (read or write) both apply. Objects of another workspace are 404. Writes go
through the same services as the web app, so validation and the audit trail are shared.
"""

import datetime as dt
import hashlib
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer
from pydantic import ConfigDict
from pydantic import Field as PydanticField
from typing_extensions import TypedDict

from waypoint.kpis import selectors as kpi_selectors
from waypoint.kpis import services as kpi_services
from waypoint.kpis.models import DataPoint, Deviation, Kpi
from waypoint.lib import scoring
from waypoint.lib.counting import count_up_to
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn, Cycle, Initiative, KeyResult, Objective, Retrospective
from waypoint.reports import selectors as report_selectors
from waypoint.reports import services as report_services
from waypoint.reports.models import Report
from waypoint.workspaces import permissions
from waypoint.workspaces.models import ApiToken, IdempotencyKey, Member, Role, Team
from waypoint.workspaces.selectors import active_token, scoped_get
from waypoint.workspaces.services import token_digest

# Ids are positive 64-bit integers: a larger one is a 422 naming the field, not an overflow in
# the database.
Id = Annotated[int, PydanticField(ge=1, le=2**63 - 1)]
# Dates of record are in a sane range (a check-in dated 9999-12-31 would stay "current"
# forever); the services hold the same rule for the web forms.
Day = Annotated[dt.date, PydanticField(ge=dt.date(1900, 1, 1), le=dt.date(2200, 12, 31))]


class In(Schema):
    """An input schema: NaN and Infinity are not numbers, whatever JSON dialect sent them."""

    model_config = ConfigDict(allow_inf_nan=False)


class Pagination(LimitOffsetPagination):
    """limit 1..1000 and an offset that fits a database integer. ``count`` is exact up to
    ``COUNTED`` matches and null past them: counting every check-in of a large workspace
    would cost each page as much as reading them all (2 million rows at 100,000 people),
    so a client pages on until a page comes back short."""

    COUNTED = 10_000

    class Input(Schema):
        limit: int = PydanticField(100, ge=1, le=1000)
        offset: int = PydanticField(0, ge=0, le=2**62)

    class Output(Schema):
        items: list[Any]
        count: int | None = PydanticField(
            description="How many match, when at most 10,000 do; null when more do."
        )

    def _items_count(self, queryset) -> int | None:
        # COUNT(*) over the first COUNTED + 1 matches only: bounded whatever the size.
        if isinstance(queryset, list):
            found = len(queryset)
        else:
            found = count_up_to(queryset.all(), self.COUNTED)
        return found if found <= self.COUNTED else None


class Mapped:
    """A queryset whose rows are turned into answers only for the page asked for: the
    pagination counts it in SQL and slices it, never building every row of a workspace."""

    def __init__(self, queryset, fn):
        self.queryset, self.fn = queryset, fn

    def all(self):
        return self.queryset.all()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.fn(row) for row in self.queryset[index]]
        return self.fn(self.queryset[index])


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = active_token(token_digest(token))
        if found is None or found.member.role == Role.CLIENT:
            return None  # a client reads reports and dashboards in the app, not the API
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > dt.timedelta(minutes=5):
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.workspace = found.workspace
        request.member = found.member
        request.token = found
        return found


router = Router(auth=TokenAuth())


def _writes(request) -> None:
    if request.token.scope != ApiToken.Scope.WRITE:
        raise HttpError(403, "This token may only read.")
    if not permissions.at_least(request.member, Role.MEMBER):
        raise HttpError(403, "Viewers cannot write.")


def _get(request, model_or_qs, pk):
    try:
        return scoped_get(model_or_qs, request.workspace, pk=pk)
    except Http404 as exc:
        raise HttpError(404, "Not Found") from exc


def _invalid(exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "message_dict") else {"__all__": exc.messages}
    return HttpError(422, "; ".join(f"{k}: {' '.join(v)}" for k, v in detail.items()))


def _member(request, pk):
    return None if pk is None else _get(request, Member, pk)


def _team(request, pk):
    return None if pk is None else _get(request, Team, pk)


# --- Schemas ------------------------------------------------------------------------------


class WorkspaceOut(Schema):
    id: int
    slug: str
    name: str
    time_zone: str
    language: str


class TeamOut(Schema):
    id: int
    name: str
    parent_id: int | None
    lead_id: int | None


class TeamIn(In):
    name: str
    parent_id: Id | None = None
    lead_id: Id | None = None


class TeamPatch(In):
    name: str | None = None
    parent_id: Id | None = None
    lead_id: Id | None = None
    member_ids: list[Id] | None = Field(None, description="The team's members, all of them.")


class MemberOut(Schema):
    id: int
    email: str = Field(..., alias="user.email")
    name: str = Field(..., alias="user.full_name")
    role: str


class CycleOut(Schema):
    id: int
    name: str
    kind: str
    start: dt.date
    end: dt.date
    parent_id: int | None
    is_current: bool
    status: str


class CycleIn(In):
    name: str
    start: Day
    end: Day
    kind: str = "custom"
    parent_id: Id | None = None


class ObjectiveOut(Schema):
    id: int
    cycle_id: int
    ref: str
    title: str
    why: str
    level: str
    kind: str
    status: str
    private: bool
    owner_id: int | None
    parent_id: int | None
    parent_weight: float
    team_ids: list[int]
    progress: float
    score: float


class ObjectiveIn(In):
    cycle_id: Id
    title: str
    why: str = ""
    level: str = "team"
    kind: str = "aspirational"
    owner_id: Id | None = None
    parent_id: Id | None = None
    team_ids: list[Id] = []
    private: bool = False


class ObjectivePatch(In):
    title: str | None = None
    why: str | None = None
    level: str | None = None
    kind: str | None = None
    status: str | None = None
    owner_id: Id | None = None
    parent_id: Id | None = None
    parent_weight: float | None = None
    private: bool | None = None


class KeyResultOut(Schema):
    id: int
    objective_id: int
    title: str
    type: str
    scoring: str
    direction: str
    start: float | None
    target: float | None
    unit: str
    weight: float
    owner_id: int | None
    kpi_id: int | None
    starts_on: dt.date | None
    rolls_into_id: int | None = Field(
        None, description="The key result of an objective above that this one rolls into."
    )
    current: float | None
    progress: float
    score: float
    grade: float | None = Field(None, description="The final grade, once graded (0.0-1.0).")
    grade_band: str | None = Field(
        None, description="red (0.0-0.3), yellow (0.4-0.6) or green (0.7-1.0), once graded."
    )


class KeyResultIn(In):
    objective_id: Id
    title: str
    type: str = "increase"
    start: float | None = None
    target: float | None = None
    unit: str = ""
    scoring: str = "spectrum"
    direction: str = "higher_is_better"
    weight: float = 1.0
    owner_id: Id | None = None
    kpi_id: Id | None = None
    starts_on: dt.date | None = None


class KeyResultPatch(In):
    title: str | None = None
    start: float | None = None
    target: float | None = None
    unit: str | None = None
    weight: float | None = None
    owner_id: Id | None = None
    starts_on: dt.date | None = None
    rolls_into_id: Id | None = None


class CheckInOut(Schema):
    id: int
    key_result_id: int
    date: dt.date
    value: float
    confidence: str
    comment: str
    author_id: int | None


class CheckInIn(In):
    key_result_id: Id
    value: float
    confidence: str = "on_track"
    comment: str = ""
    date: Day | None = None


class StepIO(In):
    text: str = Field(..., max_length=200)
    done: bool = False


class InitiativeOut(Schema):
    id: int
    key_result_id: int | None
    kpi_id: int | None
    deviation_id: int | None
    title: str
    status: str
    owner_id: int | None
    due_on: dt.date | None
    done_on: dt.date | None
    checklist: list[StepIO]


class InitiativeIn(In):
    key_result_id: Id | None = Field(None, description="The key result it moves, or:")
    kpi_id: Id | None = Field(None, description="the KPI whose process it improves.")
    title: str
    status: str = "planned"
    owner_id: Id | None = None
    due_on: Day | None = None
    checklist: list[StepIO] = Field(default_factory=list, max_length=30)


class InitiativePatch(In):
    title: str | None = None
    status: str | None = None
    owner_id: Id | None = None
    due_on: Day | None = None
    checklist: list[StepIO] | None = Field(None, max_length=30, description="Replaced whole.")


class KpiOut(Schema):
    id: int
    name: str
    description: str
    unit: str
    direction: str
    frequency: str
    aggregation: str
    target: float | None
    warning: float | None
    critical: float | None
    warning_high: float | None
    critical_high: float | None
    owner_id: int | None
    team_id: int | None
    process_id: int | None
    stage: str
    serves_id: int | None


class KpiIn(In):
    name: str
    description: str = ""
    unit: str = ""
    direction: str = "higher_is_better"
    frequency: str = "weekly"
    aggregation: str = "sum"
    target: float | None = None
    warning: float | None = None
    critical: float | None = None
    warning_high: float | None = None
    critical_high: float | None = None
    owner_id: Id | None = None
    team_id: Id | None = None
    stage: str = ""


class KpiPatch(In):
    name: str | None = None
    description: str | None = None
    unit: str | None = None
    direction: str | None = None
    frequency: str | None = None
    aggregation: str | None = None
    target: float | None = None
    warning: float | None = None
    critical: float | None = None
    warning_high: float | None = None
    critical_high: float | None = None
    owner_id: Id | None = None
    team_id: Id | None = None
    stage: str | None = None


class DataPointIn(TypedDict):
    """A typed dict, not a Schema or a model: a push holds up to 100,000 of them, and
    building an object for each cost more than writing the rows (0.16 s against 0.05 s for
    100,000)."""

    __pydantic_config__ = ConfigDict(allow_inf_nan=False)  # type: ignore[misc]

    date: Day
    value: float


class DataPointOut(Schema):
    date: dt.date
    value: float


class BulkResult(Schema):
    created: int
    replaced: int
    unchanged: int


class AnnotationOut(Schema):
    id: int
    date: dt.date
    kind: str
    text: str
    kpi_id: int | None
    key_result_id: int | None


class AnnotationIn(In):
    date: Day
    text: str
    kind: str = "external"
    kpi_id: Id | None = None
    key_result_id: Id | None = None


class DeviationResponseOut(Schema):
    id: int
    kind: str
    note: str
    chosen_on: dt.date
    chosen_by_id: int | None
    executor_before_id: int | None
    executor_id: int | None
    plan_from: dt.date | None
    initiative_id: int | None
    verdict: str = Field(..., description="'' (not judged yet), worked, failed or replaced.")
    judged_on: dt.date | None


class DeviationOut(Schema):
    id: int
    kpi_id: int
    level: str
    period_start: dt.date
    opened_on: dt.date
    closed_on: dt.date | None
    response: str = Field(
        ..., description="The response in force; empty while one is awaited (again)."
    )
    note: str
    owner_id: int | None
    responses: list[DeviationResponseOut]

    @staticmethod
    def resolve_responses(obj):
        return obj.responses.all()


class PlanIn(In):
    target: float | None = None
    warning: float | None = None
    critical: float | None = None
    warning_high: float | None = None
    critical_high: float | None = None


class DeviationRespond(In):
    response: str = Field(
        ..., description="change_executor, correct_plan or improve_process (seed 002)."
    )
    note: str = Field("", description="For correct_plan, the reason (required).")
    executor_id: Id | None = Field(None, description="change_executor: who answers from now on.")
    plan: PlanIn | None = Field(
        None, description="correct_plan: the fields of the plan that change (others stay)."
    )
    plan_from: Day | None = Field(
        None, description="correct_plan: from the period that holds this day (today if none)."
    )
    initiative_title: str = Field("", description="improve_process: the improvement to make.")
    initiative_owner_id: Id | None = None
    initiative_due: Day | None = None


class GradeIn(In):
    """Grade an objective: each key result by id (those left out keep their grade or take
    their score); the objective's own grade only to override their weighted mean, with a
    reason. The retrospective's notes are written when given."""

    key_results: dict[Id, float] = Field(default_factory=dict)
    grade: float | None = None
    reason: str = ""
    what_worked: str | None = None
    what_did_not: str | None = None
    learned: str | None = None


class RetrospectiveIn(In):
    what_worked: str = ""
    what_did_not: str = ""
    learned: str = ""


class RetrospectiveOut(Schema):
    objective_id: int
    grade: float | None
    grade_band: str | None = Field(
        None, description="red (0.0-0.3), yellow (0.4-0.6) or green (0.7-1.0), once graded."
    )
    suggested_grade: float | None = Field(
        None, description="The weighted mean of the key results' grades when it was graded."
    )
    override_reason: str
    what_worked: str
    what_did_not: str
    learned: str

    @staticmethod
    def resolve_grade_band(obj) -> str | None:
        return scoring.grade_band(obj.grade)


class ReportOut(Schema):
    id: int
    title: str
    period_start: dt.date
    period_end: dt.date
    summary: str
    created_at: dt.datetime


class ReportIn(In):
    title: str
    period_start: Day
    period_end: Day
    summary: str = ""


class ReportPatch(In):
    title: str | None = None
    period_start: Day | None = None
    period_end: Day | None = None
    summary: str | None = None


# --- Workspace, teams, members, cycles ------------------------------------------------------


@router.get("/workspace", response=WorkspaceOut, tags=["workspace"])
def workspace(request: HttpRequest):
    """The token's workspace."""
    return request.workspace


@router.get("/teams", response=list[TeamOut], tags=["workspace"])
@paginate(Pagination)
def teams(request: HttpRequest):
    return Team.objects.filter(workspace=request.workspace).order_by("name")


@router.post("/teams", response={201: TeamOut}, tags=["workspace"])
def team_create(request: HttpRequest, payload: TeamIn):
    _writes(request)
    if not permissions.can_admin(request.member):
        raise HttpError(403, "Only admins manage teams.")
    from waypoint.workspaces import services as ws

    try:
        team = ws.team_create(
            workspace=request.workspace,
            name=payload.name,
            parent=_team(request, payload.parent_id),
            lead=_member(request, payload.lead_id),
            actor=request.member.user,
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return Status(201, team)


def _admin_team(request, team_id) -> Team:
    _writes(request)
    if not permissions.can_admin(request.member):
        raise HttpError(403, "Only admins manage teams.")
    return _get(request, Team, team_id)


@router.patch("/teams/{team_id}", response=TeamOut, tags=["workspace"])
def team_update(request: HttpRequest, team_id: Id, payload: TeamPatch):
    from waypoint.workspaces import services as ws

    team = _admin_team(request, team_id)
    fields = payload.dict(exclude_unset=True)
    member_ids = fields.pop("member_ids", None)
    if "parent_id" in fields:
        fields["parent"] = _team(request, fields.pop("parent_id"))
    if "lead_id" in fields:
        fields["lead"] = _member(request, fields.pop("lead_id"))
    if fields.get("name") is not None and not fields["name"].strip():
        raise HttpError(422, "name: A team needs a name.")
    try:
        with transaction.atomic():
            ws.team_update(team=team, actor=request.member.user, **fields)
            if member_ids is not None:
                members = [_member(request, pk) for pk in dict.fromkeys(member_ids)]
                ws.team_set_members(team=team, members=members, actor=request.member.user)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return team


@router.delete("/teams/{team_id}", response={204: None}, tags=["workspace"])
def team_delete(request: HttpRequest, team_id: Id):
    from waypoint.workspaces import services as ws

    ws.team_delete(team=_admin_team(request, team_id), actor=request.member.user)
    return Status(204, None)


@router.get("/members", response=list[MemberOut], tags=["workspace"])
@paginate(Pagination)
def members(request: HttpRequest, role: str | None = None):
    # In the order they joined: by name, each page would sort every person of the
    # workspace (110,000 at 100,000 people: 64 ms a page).
    qs = Member.objects.filter(workspace=request.workspace).select_related("user").order_by("id")
    return qs.filter(role=role) if role else qs


@router.get("/cycles", response=list[CycleOut], tags=["okrs"])
@paginate(Pagination)
def cycles(request: HttpRequest, kind: str | None = None, status: str | None = None):
    qs = Cycle.objects.filter(workspace=request.workspace)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs


@router.post("/cycles", response={201: CycleOut}, tags=["okrs"])
def cycle_create(request: HttpRequest, payload: CycleIn):
    _writes(request)
    if not permissions.can_admin(request.member):
        raise HttpError(403, "Only admins manage cycles.")
    parent = None if payload.parent_id is None else _get(request, Cycle, payload.parent_id)
    try:
        return Status(
            201,
            okr.cycle_create(
                workspace=request.workspace,
                name=payload.name,
                start=payload.start,
                end=payload.end,
                kind=payload.kind,
                parent=parent,
                actor=request.member.user,
            ),
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc


@router.get("/cycles/{cycle_id}", response=CycleOut, tags=["okrs"])
def cycle(request: HttpRequest, cycle_id: Id):
    return _get(request, Cycle, cycle_id)


# --- Objectives and key results -------------------------------------------------------------


def _objective_out(o: Objective) -> dict:
    return {
        **{
            f: getattr(o, f)
            for f in (
                "id",
                "cycle_id",
                "ref",
                "title",
                "why",
                "level",
                "kind",
                "status",
                "private",
                "owner_id",
                "parent_id",
                "parent_weight",
            )
        },
        "team_ids": [t.pk for t in o.teams.all()],
        "progress": o.progress,
        "score": o.score,
    }


def _visible(request):
    return okr_selectors.visible_objectives(request.workspace, request.member)


@router.get("/objectives", response=list[ObjectiveOut], tags=["okrs"])
@paginate(Pagination)
def objectives(
    request: HttpRequest,
    cycle_id: Id | None = None,
    level: str | None = None,
    owner_id: Id | None = None,
    status: str | None = None,
):
    # In the order of the index `objective_cycle_order`, so a page walks it: ordering by the
    # cycles' dates would sort every objective of the workspace for each page.
    qs = _visible(request).prefetch_related("teams").order_by("cycle_id", "level", "position", "id")
    for name, value in (
        ("cycle_id", cycle_id),
        ("level", level),
        ("owner_id", owner_id),
        ("status", status),
    ):
        if value is not None:
            qs = qs.filter(**{name: value})
    return Mapped(qs, _objective_out)


@router.get("/objectives/{objective_id}", response=ObjectiveOut, tags=["okrs"])
def objective(request: HttpRequest, objective_id: Id):
    o = _get(request, _visible(request), objective_id)
    return _objective_out(o)


@router.post("/objectives", response={201: ObjectiveOut}, tags=["okrs"])
def objective_create(request: HttpRequest, payload: ObjectiveIn):
    _writes(request)
    owner = _member(request, payload.owner_id)
    if not permissions.can_edit_all(request.member):
        owner = request.member
    try:
        o = okr.objective_create(
            workspace=request.workspace,
            cycle=_get(request, Cycle, payload.cycle_id),
            title=payload.title,
            why=payload.why,
            level=payload.level,
            kind=payload.kind,
            owner=owner,
            teams=[_team(request, t) for t in payload.team_ids],
            parent=None
            if payload.parent_id is None
            else _get(request, _visible(request), payload.parent_id),
            private=payload.private,
            actor=request.member.user,
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return Status(201, _objective_out(o))


@router.patch("/objectives/{objective_id}", response=ObjectiveOut, tags=["okrs"])
def objective_update(request: HttpRequest, objective_id: Id, payload: ObjectivePatch):
    _writes(request)
    o = _get(request, _visible(request), objective_id)
    if not permissions.can_edit_objective(request.member, o):
        raise HttpError(403, "You may not edit this objective.")
    fields = payload.dict(exclude_unset=True)
    if "owner_id" in fields:
        fields["owner"] = _member(request, fields.pop("owner_id"))
    if "parent_id" in fields:
        pid = fields.pop("parent_id")
        fields["parent"] = None if pid is None else _get(request, _visible(request), pid)
    try:
        okr.objective_update(objective=o, actor=request.member.user, **fields)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return _objective_out(o)


@router.delete("/objectives/{objective_id}", response={204: None}, tags=["okrs"])
def objective_delete(request: HttpRequest, objective_id: Id):
    _writes(request)
    o = _get(request, _visible(request), objective_id)
    if not permissions.can_edit_objective(request.member, o):
        raise HttpError(403, "You may not delete this objective.")
    okr.objective_delete(objective=o, actor=request.member.user)
    return Status(204, None)


def _kr_out(kr: KeyResult) -> dict:
    return {
        **{
            f: getattr(kr, f)
            for f in (
                "id",
                "objective_id",
                "title",
                "type",
                "scoring",
                "direction",
                "start",
                "target",
                "unit",
                "weight",
                "owner_id",
                "kpi_id",
                "starts_on",
                "rolls_into_id",
            )
        },
        "current": kr.current_value,
        "progress": kr.progress,
        "score": kr.score,
        "grade": kr.grade,
        "grade_band": scoring.grade_band(kr.grade),
    }


def _krs(request):
    return okr_selectors.visible_key_results(request.workspace, request.member)


@router.get("/key-results", response=list[KeyResultOut], tags=["okrs"])
@paginate(Pagination)
def key_results(request: HttpRequest, objective_id: Id | None = None):
    # By the objective's id, not its ordering (cycle, position): an index serves this one.
    qs = _krs(request).order_by("objective_id", "position", "id")
    if objective_id is not None:
        qs = qs.filter(objective_id=objective_id)
    return Mapped(qs, _kr_out)


@router.get("/key-results/{kr_id}", response=KeyResultOut, tags=["okrs"])
def key_result(request: HttpRequest, kr_id: Id):
    return _kr_out(_get(request, _krs(request), kr_id))


@router.post("/key-results", response={201: KeyResultOut}, tags=["okrs"])
def key_result_create(request: HttpRequest, payload: KeyResultIn):
    _writes(request)
    o = _get(request, _visible(request), payload.objective_id)
    if not permissions.can_edit_objective(request.member, o):
        raise HttpError(403, "You may not edit this objective.")
    data = payload.dict()
    data.pop("objective_id")
    data["owner"] = _member(request, data.pop("owner_id"))
    kpi_id = data.pop("kpi_id")
    data["kpi"] = None if kpi_id is None else _get(request, Kpi, kpi_id)
    try:
        kr = okr.key_result_create(objective=o, actor=request.member.user, **data)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return Status(
        201,
        _kr_out(_get(request, _krs(request), kr.pk)),
    )


@router.patch("/key-results/{kr_id}", response=KeyResultOut, tags=["okrs"])
def key_result_update(request: HttpRequest, kr_id: Id, payload: KeyResultPatch):
    _writes(request)
    kr = _get(request, _krs(request).select_related("objective"), kr_id)
    if not permissions.can_edit_objective(request.member, kr.objective):
        raise HttpError(403, "You may not edit this key result.")
    fields = payload.dict(exclude_unset=True)
    if "owner_id" in fields:
        fields["owner"] = _member(request, fields.pop("owner_id"))
    if "rolls_into_id" in fields:
        target = fields.pop("rolls_into_id")
        fields["rolls_into"] = None if target is None else _get(request, _krs(request), target)
    try:
        okr.key_result_update(key_result=kr, actor=request.member.user, **fields)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return _kr_out(_get(request, _krs(request), kr.pk))


@router.delete("/key-results/{kr_id}", response={204: None}, tags=["okrs"])
def key_result_delete(request: HttpRequest, kr_id: Id):
    _writes(request)
    kr = _get(request, _krs(request).select_related("objective"), kr_id)
    if not permissions.can_edit_objective(request.member, kr.objective):
        raise HttpError(403, "You may not delete this key result.")
    okr.key_result_delete(key_result=kr, actor=request.member.user)
    return Status(204, None)


# --- Check-ins (idempotent) -------------------------------------------------------------------


def _replay(earlier: IdempotencyKey, digest: str):
    if earlier.request_digest and earlier.request_digest != digest:
        raise HttpError(
            422, "This Idempotency-Key was used with another request body: use a new key."
        )
    return Status(200, earlier.response)


@router.get("/check-ins", response=list[CheckInOut], tags=["okrs"])
@paginate(Pagination)
def checkins(request: HttpRequest, key_result_id: Id | None = None):
    # Filtered on the check-in's own workspace (an index walks it newest first), and on the
    # one visibility rule through the key result's objective.
    qs = CheckIn.objects.filter(workspace=request.workspace).filter(
        okr_selectors.visible_q(request.member, "key_result__objective__")
    )
    if key_result_id is not None:
        qs = qs.filter(key_result_id=key_result_id)
    return qs.order_by("-date", "-id")


@router.post("/check-ins", response={201: CheckInOut, 200: CheckInOut}, tags=["okrs"])
def checkin_create(request: HttpRequest, payload: CheckInIn):
    """Record a check-in. Send an `Idempotency-Key` header: a retry with the same key returns
    the first answer instead of recording twice."""
    _writes(request)
    key = request.headers.get("Idempotency-Key", "").strip()[:200]
    path = "check-ins"
    # A key is the member's own and names one request: the same key with another body is
    # a mistake (422), not a replay; another member's key is not theirs to replay.
    digest = hashlib.sha256(request.body).hexdigest()
    mine = {"workspace": request.workspace, "member": request.member, "path": path, "key": key}
    if key:
        earlier = IdempotencyKey.objects.filter(**mine).first()
        if earlier is not None:
            return _replay(earlier, digest)
    kr = _get(request, _krs(request).select_related("objective"), payload.key_result_id)
    kr.workspace = request.workspace  # the one it was looked up in: no join to read it again
    if not permissions.can_check_in(request.member, kr):
        raise HttpError(403, "You may not check in on this key result.")
    try:
        with transaction.atomic():
            ci = okr.checkin_create(
                key_result=kr,
                date=payload.date or request.workspace.today(),
                value=payload.value,
                confidence=payload.confidence,
                comment=payload.comment,
                author=request.member,
                actor=request.member.user,
            )
            body = CheckInOut.from_orm(ci).dict()
            body["date"] = body["date"].isoformat()
            if key:
                IdempotencyKey.objects.create(
                    **mine, request_digest=digest, status=201, response=body
                )
    except ValidationError as exc:
        raise _invalid(exc) from exc
    except IntegrityError:  # the same key, sent twice at once: the other request won
        return _replay(IdempotencyKey.objects.get(**mine), digest)
    return Status(201, body)


# --- Initiatives ----------------------------------------------------------------------------


@router.get("/initiatives", response=list[InitiativeOut], tags=["okrs"])
@paginate(Pagination)
def initiatives(
    request: HttpRequest,
    key_result_id: Id | None = None,
    kpi_id: Id | None = None,
    status: str | None = None,
):
    qs = okr_selectors.visible_initiatives(request.workspace, request.member)
    if key_result_id is not None:
        qs = qs.filter(key_result_id=key_result_id)
    if kpi_id is not None:
        qs = qs.filter(kpi_id=kpi_id)
    if status:
        qs = qs.filter(status=status)
    return qs


@router.post("/initiatives", response={201: InitiativeOut}, tags=["okrs"])
def initiative_create(request: HttpRequest, payload: InitiativeIn):
    _writes(request)
    on: dict = {}
    # Each id is looked up (another workspace's is a 404) before the pair is judged.
    if payload.key_result_id is not None:
        kr = _get(request, _krs(request).select_related("objective"), payload.key_result_id)
        if not permissions.can_edit_objective(request.member, kr.objective):
            raise HttpError(403, "You may not edit this key result.")
        on["key_result"] = kr
    if payload.kpi_id is not None:
        kpi = _get(request, Kpi.objects.select_related("workspace"), payload.kpi_id)
        if not permissions.can_feed_kpi(request.member, kpi):
            raise HttpError(403, "Only the KPI's owner and editors plan work on it.")
        on["kpi"] = kpi
    if len(on) != 1:
        raise HttpError(422, "Give either key_result_id or kpi_id.")
    try:
        return Status(
            201,
            okr.initiative_create(
                **on,
                title=payload.title,
                status=payload.status,
                owner=_member(request, payload.owner_id),
                due_on=payload.due_on,
                checklist=[step.dict() for step in payload.checklist],
                actor=request.member.user,
            ),
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc


def _editable_initiative(request, initiative_id) -> Initiative:
    _writes(request)
    visible = okr_selectors.visible_initiatives(request.workspace, request.member).select_related(
        "key_result__objective__cycle", "kpi", "workspace"
    )
    initiative = _get(request, visible, initiative_id)
    if not permissions.can_edit_initiative(request.member, initiative):
        raise HttpError(403, "You may not edit this initiative.")
    return initiative


@router.patch("/initiatives/{initiative_id}", response=InitiativeOut, tags=["okrs"])
def initiative_update(request: HttpRequest, initiative_id: Id, payload: InitiativePatch):
    initiative = _editable_initiative(request, initiative_id)
    fields = payload.dict(exclude_unset=True)
    if "owner_id" in fields:
        fields["owner"] = _member(request, fields.pop("owner_id"))
    try:
        return okr.initiative_update(initiative=initiative, actor=request.member.user, **fields)
    except ValidationError as exc:
        raise _invalid(exc) from exc


@router.delete("/initiatives/{initiative_id}", response={204: None}, tags=["okrs"])
def initiative_delete(request: HttpRequest, initiative_id: Id):
    initiative = _editable_initiative(request, initiative_id)
    try:
        okr.initiative_delete(initiative=initiative, actor=request.member.user)
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return Status(204, None)


@router.post("/objectives/{objective_id}/grade", response=RetrospectiveOut, tags=["okrs"])
def objective_grade(request: HttpRequest, objective_id: Id, payload: GradeIn):
    """Grade an objective at the end of its cycle (Google's practice, seed 003): each key
    result a grade from 0.0 to 1.0, the objective their weighted mean unless overridden
    with a reason; and its retrospective's notes. All or nothing."""
    objective = _gradable(request, objective_id)
    try:
        with transaction.atomic():
            retro = okr.objective_grade(
                objective=objective,
                grade=payload.grade,
                key_results=payload.key_results,
                reason=payload.reason,
                by=request.member,
                actor=request.member.user,
            )
            notes = {
                k: getattr(payload, k)
                for k in ("what_worked", "what_did_not", "learned")
                if getattr(payload, k) is not None
            }
            if notes:
                retro = okr.retrospective_write(
                    objective=objective,
                    **{
                        k: notes.get(k, getattr(retro, k))
                        for k in ("what_worked", "what_did_not", "learned")
                    },
                    actor=request.member.user,
                )
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return retro


def _gradable(request, objective_id) -> Objective:
    _writes(request)
    objective = _get(request, _visible(request).select_related("cycle", "workspace"), objective_id)
    if not permissions.can_edit_objective(request.member, objective):
        raise HttpError(403, "You may not grade this objective.")
    return objective


@router.put("/objectives/{objective_id}/retrospective", response=RetrospectiveOut, tags=["okrs"])
def retrospective_write(request: HttpRequest, objective_id: Id, payload: RetrospectiveIn):
    """An objective's retrospective notes, whether or not it is graded yet: what worked,
    what did not, what we learned (a missed commitment's postmortem is the last two)."""
    objective = _gradable(request, objective_id)
    return okr.retrospective_write(
        objective=objective,
        what_worked=payload.what_worked,
        what_did_not=payload.what_did_not,
        learned=payload.learned,
        actor=request.member.user,
    )


@router.delete("/objectives/{objective_id}/retrospective", response={204: None}, tags=["okrs"])
def retrospective_delete(request: HttpRequest, objective_id: Id):
    """Take back a grade given by mistake: the retrospective and the key results' grades."""
    okr.retrospective_delete(objective=_gradable(request, objective_id), actor=request.member.user)
    return Status(204, None)


@router.get("/retrospectives", response=list[RetrospectiveOut], tags=["okrs"])
@paginate(Pagination)
def retrospectives(request: HttpRequest, cycle_id: Id | None = None):
    qs = Retrospective.objects.filter(workspace=request.workspace).filter(
        okr_selectors.visible_q(request.member, "objective__")
    )
    return qs.filter(objective__cycle_id=cycle_id) if cycle_id is not None else qs


# --- KPIs, data points, annotations -----------------------------------------------------------


@router.get("/kpis", response=list[KpiOut], tags=["kpis"])
@paginate(Pagination)
def kpis(request: HttpRequest, team_id: Id | None = None, process_id: Id | None = None):
    qs = Kpi.objects.filter(workspace=request.workspace)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    if process_id is not None:
        qs = qs.filter(process_id=process_id)
    return qs


@router.get("/kpis/{kpi_id}", response=KpiOut, tags=["kpis"])
def kpi(request: HttpRequest, kpi_id: Id):
    return _get(request, Kpi, kpi_id)


@router.post("/kpis", response={201: KpiOut}, tags=["kpis"])
def kpi_create(request: HttpRequest, payload: KpiIn):
    _writes(request)
    if not permissions.can_edit_all(request.member):
        raise HttpError(403, "Editors and above define KPIs.")
    data = payload.dict()
    data["owner"] = _member(request, data.pop("owner_id"))
    data["team"] = _team(request, data.pop("team_id"))
    try:
        return Status(
            201,
            kpi_services.kpi_create(workspace=request.workspace, actor=request.member.user, **data),
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc


@router.patch("/kpis/{kpi_id}", response=KpiOut, tags=["kpis"])
def kpi_update(request: HttpRequest, kpi_id: Id, payload: KpiPatch):
    _writes(request)
    if not permissions.can_edit_all(request.member):
        raise HttpError(403, "Editors and above define KPIs.")
    kpi = _get(request, Kpi, kpi_id)
    fields = payload.dict(exclude_unset=True)
    if "owner_id" in fields:
        fields["owner"] = _member(request, fields.pop("owner_id"))
    if "team_id" in fields:
        fields["team"] = _team(request, fields.pop("team_id"))
    try:
        return kpi_services.kpi_update(kpi=kpi, actor=request.member.user, **fields)
    except ValidationError as exc:
        raise _invalid(exc) from exc


@router.get("/deviations", response=list[DeviationOut], tags=["kpis"])
@paginate(Pagination)
def deviations(request: HttpRequest, kpi_id: Id | None = None, open: bool | None = None):
    """KPIs outside their thresholds, newest first, with the response chosen for each."""
    qs = (
        Deviation.objects.filter(workspace=request.workspace)
        .prefetch_related("responses")
        .order_by("-opened_on", "-id")
    )
    if kpi_id is not None:
        qs = qs.filter(kpi_id=kpi_id)
    if open is not None:
        qs = qs.filter(closed_on__isnull=open)
    return qs


@router.post("/deviations/{deviation_id}/respond", response=DeviationOut, tags=["kpis"])
def deviation_respond(request: HttpRequest, deviation_id: Id, payload: DeviationRespond):
    """Choose one of seed 002's three responses to a deviation, and it acts: a new executor
    takes the KPI and its open initiatives, a corrected plan applies from a period on, or an
    improvement initiative opens. Each response gets a verdict once the following periods
    are in (``responses[].verdict``)."""
    _writes(request)
    deviation = _get(request, Deviation.objects.select_related("kpi", "workspace"), deviation_id)
    if not permissions.can_feed_kpi(request.member, deviation.kpi):
        raise HttpError(403, "Only the KPI's owner and editors answer its deviations.")
    try:
        kpi_services.deviation_respond(
            deviation=deviation,
            response=payload.response,
            note=payload.note,
            executor=_member(request, payload.executor_id),
            plan=payload.plan.dict(exclude_unset=True) if payload.plan else None,
            plan_from=payload.plan_from,
            improvement=kpi_services.Improvement(
                title=payload.initiative_title,
                owner=_member(request, payload.initiative_owner_id),
                due_on=payload.initiative_due,
            ),
            actor=request.member.user,
            by=request.member,
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc
    return Deviation.objects.prefetch_related("responses").get(pk=deviation.pk)


@router.delete("/kpis/{kpi_id}", response={204: None}, tags=["kpis"])
def kpi_delete(request: HttpRequest, kpi_id: Id):
    _writes(request)
    if not permissions.can_edit_all(request.member):
        raise HttpError(403, "Editors and above delete KPIs.")
    kpi_services.kpi_delete(kpi=_get(request, Kpi, kpi_id), actor=request.member.user)
    return Status(204, None)


@router.get("/kpis/{kpi_id}/data-points", response=list[DataPointOut], tags=["kpis"])
@paginate(Pagination)
def data_points(request: HttpRequest, kpi_id: Id, since: dt.date | None = None):
    qs = DataPoint.objects.filter(kpi=_get(request, Kpi, kpi_id)).order_by("date")
    return qs.filter(date__gte=since) if since else qs


MAX_BULK = 100_000


@router.post("/kpis/{kpi_id}/data-points", response=BulkResult, tags=["kpis"])
def data_points_push(request: HttpRequest, kpi_id: Id, payload: list[DataPointIn]):
    """Push many values at once (up to 100,000). All or nothing: one bad row — a value that
    is not a number, a date given twice — and nothing is written; the answer names the row
    (its index in the list, from 0). A value for a known date replaces the old one."""
    _writes(request)
    kpi = _get(request, Kpi, kpi_id)
    if not permissions.can_feed_kpi(request.member, kpi):
        raise HttpError(403, "Only the KPI's owner and editors enter its data.")
    if len(payload) > MAX_BULK:
        raise HttpError(413, f"At most {MAX_BULK} data points a request.")
    rows = {row["date"]: row["value"] for row in payload}
    if len(rows) < len(payload):
        seen: dict[dt.date, int] = {}
        for index, row in enumerate(payload):
            if row["date"] in seen:
                day = row["date"]
                raise HttpError(422, f"row {index}: date {day} is already on row {seen[day]}")
            seen[row["date"]] = index
    result = kpi_services.data_points_record(
        kpi=kpi,
        rows=rows.items(),
        author=request.member,
        actor=request.member.user,
    )
    return result.__dict__


@router.get("/annotations", response=list[AnnotationOut], tags=["kpis"])
@paginate(Pagination)
def annotations(request: HttpRequest, kpi_id: Id | None = None, key_result_id: Id | None = None):
    qs = kpi_selectors.visible_annotations(request.workspace, request.member)
    if kpi_id is not None:
        qs = qs.filter(kpi_id=kpi_id)
    if key_result_id is not None:
        qs = qs.filter(key_result_id=key_result_id)
    return qs


@router.post("/annotations", response={201: AnnotationOut}, tags=["kpis"])
def annotation_create(request: HttpRequest, payload: AnnotationIn):
    _writes(request)
    kpi = None if payload.kpi_id is None else _get(request, Kpi, payload.kpi_id)
    kr = (
        None
        if payload.key_result_id is None
        else _get(request, _krs(request), payload.key_result_id)
    )
    try:
        return Status(
            201,
            kpi_services.annotation_create(
                workspace=request.workspace,
                date=payload.date,
                text=payload.text,
                kind=payload.kind,
                kpi=kpi,
                key_result=kr,
                author=request.member,
                actor=request.member.user,
            ),
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc


# --- Reports ----------------------------------------------------------------------------------


def _edits_reports(request) -> None:
    _writes(request)
    if not permissions.can_edit_all(request.member):
        raise HttpError(403, "Editors and above write reports.")


class SourceKindOut(Schema):
    key: str
    label: str
    auth: str
    auth_label: str
    reads: list[str]
    reads_label: str
    pages: str


@router.get("/source-kinds", response=list[SourceKindOut], tags=["sources"])
def source_kinds(request: HttpRequest):
    """Every kind of data source: what it reads (metric, count, share, items, annotations),
    how it signs in (none, api_key, basic, oauth2, password, secret_url) and how it pages."""
    from waypoint.connectors.views import kind_rows

    return kind_rows()


@router.get("/reports", response=list[ReportOut], tags=["reports"])
@paginate(Pagination)
def reports(request: HttpRequest, since: dt.date | None = None):
    """Reports of the workspace, newest period first; ``since``: ending on or after."""
    qs = Report.objects.filter(workspace=request.workspace)
    return qs.filter(period_end__gte=since) if since else qs


@router.get("/reports/{report_id}", response=ReportOut, tags=["reports"])
def report(request: HttpRequest, report_id: Id):
    return _get(request, Report, report_id)


@router.get("/reports/{report_id}/pdf", tags=["reports"])
def report_pdf(request: HttpRequest, report_id: Id, lang: str = "en"):
    """The report as a PDF (application/pdf), in English, Russian (ru), Chinese (zh-hans)
    or Polish (pl)."""
    report = _get(request, Report, report_id)
    language = lang if lang in ("en", "ru", "zh-hans", "pl") else "en"
    response = HttpResponse(
        report_selectors.report_pdf(report, language), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="report-{report.pk}.pdf"'
    return response


@router.post("/reports", response={201: ReportOut}, tags=["reports"])
def report_create(request: HttpRequest, payload: ReportIn):
    _edits_reports(request)
    try:
        return Status(
            201,
            report_services.report_create(
                workspace=request.workspace,
                by=request.member,
                actor=request.member.user,
                **payload.dict(),
            ),
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc


@router.patch("/reports/{report_id}", response=ReportOut, tags=["reports"])
def report_update(request: HttpRequest, report_id: Id, payload: ReportPatch):
    _edits_reports(request)
    report = _get(request, Report, report_id)
    try:
        return report_services.report_update(
            report=report, actor=request.member.user, **payload.dict(exclude_unset=True)
        )
    except ValidationError as exc:
        raise _invalid(exc) from exc
