"""OKRs as code: the YAML (or JSON) document of the README ("OKRs as code"), read with line
numbers and written back.

Reading is in three steps, each refusing bad input before anything is written:
``parse`` (YAML syntax, with the line of every value), ``validate`` (the schema and the
rules, each error naming file, line and field), then ``import_documents`` (one
transaction, through the services, matching what exists so a second import is a no-op).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import yaml
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from waypoint.lib import scoring
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Member, Role, Team, User, Workspace

from . import rollups, selectors, services
from .models import CheckIn, Cycle, Initiative, KeyResult, Objective
from .okrparse import (  # noqa: F401 - step 1, read with okrfile's other steps
    FILE_LIMITS,
    UPLOAD_LIMITS,
    Limits,
    OkrFileError,
    ParsedDocument,
    Path,
    parse,
)
from .validation import checkin_value_errors, kr_definition_errors

# --- Step 2: validate -------------------------------------------------------------------------

Email = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
Text = Annotated[str, Field(min_length=1, max_length=300)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonDoc(_Doc):
    email: Email
    name: str = ""
    role: Literal["owner", "admin", "editor", "member", "viewer"] = "member"


class TeamDoc(_Doc):
    name: Text
    parent: str | None = None
    lead: Email | None = None
    members: list[Email] | None = None


# What a JSON export adds to each key result and objective: computed from the check-ins, so
# an import reads it and ignores it (the import's check-ins compute it again).
Computed = Annotated[float | None, Field(default=None, description="computed; ignored on import")]


class CheckInDoc(_Doc):
    date: dt.date
    value: float
    confidence: Literal["on_track", "at_risk", "off_track"] = "on_track"
    comment: str = ""
    by: Email | None = None


class InitiativeDoc(_Doc):
    title: Text
    status: Literal["planned", "in_progress", "done", "cancelled"] = "planned"
    owner: Email | None = None
    due: dt.date | None = None


class KeyResultDoc(_Doc):
    title: Text
    type: Literal["increase", "decrease", "maintain", "milestone"] = "increase"
    start: float | None = None
    target: float | None = None
    unit: str = ""
    owner: Email | None = None
    team: str | None = None
    weight: float = 1.0
    scoring: Literal["spectrum", "binary"] = "spectrum"
    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"
    driven_by_children: bool = False
    starts_on: dt.date | None = None
    checkins: list[CheckInDoc] = []
    initiatives: list[InitiativeDoc] = []
    current: Computed = None
    progress: Computed = None
    score: Computed = None


class ObjectiveDoc(_Doc):
    id: str | None = None
    title: Text
    why: str = ""
    level: Literal["company", "team", "individual"] = "team"
    owner: Email | None = None
    teams: list[str] = []
    kind: Literal["committed", "aspirational"] = "aspirational"
    aligns_to: str | None = None
    status: Literal["draft", "active", "closed", "archived"] = "active"
    private: bool = False
    key_results: list[KeyResultDoc] = []
    progress: Computed = None
    score: Computed = None

    @field_validator("id", "aligns_to", mode="before")
    @classmethod
    def _ids_are_text(cls, v):
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v


class CycleDoc(_Doc):
    name: Text
    start: dt.date
    end: dt.date
    kind: Literal["year", "quarter", "custom"] | None = None
    within: str | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name_is_text(cls, v):
        return str(v) if isinstance(v, int) else v


class OkrDocument(_Doc):
    workspace: str | None = None
    workspace_name: str | None = None
    cycle: CycleDoc
    people: list[PersonDoc] = []
    teams: list[TeamDoc] = []
    objectives: list[ObjectiveDoc] = []


def _loc(loc: Iterable) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def validate(parsed: list[ParsedDocument], filename: str = "<input>") -> list[OkrDocument]:
    """The typed documents; OkrFileError listing every problem with its line and field."""
    errors: list[str] = []
    docs: list[OkrDocument] = []

    for p in parsed:

        def err(path: Path, message: str, p=p) -> None:
            errors.append(f"{filename}:{p.line_of(path)}: {_loc(path)}: {message}")

        if not isinstance(p.data, dict):
            err((), "an OKR document is a mapping with workspace, cycle and objectives")
            continue
        try:
            doc = OkrDocument.model_validate(p.data)
        except ValidationError as exc:
            for e in exc.errors():
                msg = e["msg"]
                if e["type"] == "missing":
                    msg = "this field is required"
                elif e["type"] == "extra_forbidden":
                    msg = "unknown field"
                err(_data_path(p.data, e["loc"]), msg)
            continue
        _check_rules(doc, err)
        docs.append(doc)
    if errors:
        raise OkrFileError(errors)
    return docs


def _data_path(data: Any, loc: tuple) -> Path:
    """Pydantic's error location without its union tags ("float", "literal[...]")."""
    path: list[str | int] = []
    node = data
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
        elif isinstance(part, str) and part in _FIELDS and isinstance(node, dict):
            node = None  # a missing field: name it, there is nothing below
        else:
            continue
        path.append(part)
    return tuple(path)


_FIELDS = {
    name
    for model in (
        OkrDocument,
        CycleDoc,
        PersonDoc,
        TeamDoc,
        ObjectiveDoc,
        KeyResultDoc,
        CheckInDoc,
        InitiativeDoc,
    )
    for name in model.model_fields
}


def _check_rules(doc: OkrDocument, err) -> None:
    """The rules a schema cannot say: type-dependent numbers, unique ids, alignment targets."""
    if doc.cycle.end < doc.cycle.start:
        err(("cycle", "end"), "the cycle ends before it starts")
    ids: dict[str, int] = {}
    titles: dict[str, int] = {}
    for i, obj in enumerate(doc.objectives):
        if obj.id is not None:
            if obj.id in ids:
                err(("objectives", i, "id"), f"id {obj.id!r} is used twice in this file")
            ids[obj.id] = i
        elif obj.title in titles:
            err(("objectives", i, "title"), "two objectives without an id share this title")
        titles.setdefault(obj.title, i)
        kr_titles: set[str] = set()
        for j, kr in enumerate(obj.key_results):
            path = ("objectives", i, "key_results", j)
            if kr.title in kr_titles:
                err((*path, "title"), "two key results of this objective share this title")
            kr_titles.add(kr.title)
            if not kr.driven_by_children:
                problems = kr_definition_errors(
                    type=kr.type, start=kr.start, target=kr.target, weight=kr.weight
                )
                for fname, message in problems.items():
                    err((*path, fname), message)
            for k, c in enumerate(kr.checkins):
                for fname, message in checkin_value_errors(type=kr.type, value=c.value).items():
                    err((*path, "checkins", k, fname), message)
    for i, obj in enumerate(doc.objectives):
        target = obj.aligns_to
        if target is None or "/" in target:
            continue  # "cycle/id" points into another cycle; checked against the database
        if target not in ids:
            err(("objectives", i, "aligns_to"), f"points to {target!r}, which is no id here")
        elif target == obj.id:
            err(("objectives", i, "aligns_to"), "an objective cannot align to itself")


def load(text: str, filename: str = "<input>") -> list[OkrDocument]:
    return validate(parse(text, filename), filename)


# --- Step 3: import ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    workspace: Workspace
    cycles: list[Cycle] = field(default_factory=list)
    audit_rows: int = 0


def import_documents(
    docs: list[OkrDocument],
    *,
    workspace_slug: str | None = None,
    actor: User | None = None,
    filename: str = "<input>",
    partial: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write the documents in one transaction; a second import of the same file is a no-op.

    ``partial`` (a spreadsheet's rows) leaves alone what a document cannot say: the order
    of objectives and key results, and the alignment of an objective without ``aligns_to``.
    ``progress`` hears how many objectives are done.
    """
    from waypoint.workspaces.models import AuditEntry

    slug = workspace_slug or next((d.workspace for d in docs if d.workspace), None)
    if not slug:
        raise OkrFileError(
            [f"{filename}:1: workspace: name the workspace in the file or with --workspace"]
        )
    before = AuditEntry.objects.count()
    with transaction.atomic():
        ws = Workspace.objects.filter(slug=slugify(slug)).first()
        if ws is None:
            name = next((d.workspace_name for d in docs if d.workspace_name), None)
            ws = ws_services.workspace_create(name=name or slug, slug=slug, actor=actor)
        importer = _Importer(ws, actor, filename, partial=partial, progress=progress)
        result = ImportResult(workspace=ws)
        with rollups.held():
            for doc in docs:
                result.cycles.append(importer.import_document(doc))
        if importer.errors:
            raise OkrFileError(importer.errors)  # rolls the transaction back
    result.audit_rows = AuditEntry.objects.count() - before
    return result


def chunk_documents(docs: list[OkrDocument], size: int) -> Iterator[OkrDocument]:
    """The documents cut into smaller ones of about ``size`` objectives and key results,
    each importable on its own transaction, in order.

    Parents in the file come before their children, and an ``aligns_to`` that names an
    objective of an earlier chunk names it with its cycle (``cycle/id``), as the database
    already holds it then. People and teams go with the first chunk of their document.
    """
    for doc in docs:
        parts: list[list[ObjectiveDoc]] = [[]]
        written: set[str] = set()
        weight = 0
        for od in _parents_first(doc.objectives):
            if od.aligns_to in written:
                od = od.model_copy(update={"aligns_to": f"{doc.cycle.name}/{od.aligns_to}"})
            parts[-1].append(od)
            weight += 1 + len(od.key_results)
            if weight >= size:
                written.update(o.id for o in parts[-1] if o.id)
                parts.append([])
                weight = 0
        if len(parts) > 1 and not parts[-1]:
            parts.pop()
        for i, part in enumerate(parts):
            extra = {} if i == 0 else {"people": [], "teams": []}
            yield doc.model_copy(update={"objectives": part, **extra})


def _parents_first(objectives: list[ObjectiveDoc]) -> list[ObjectiveDoc]:
    """The file's order, except that an objective comes after the one it aligns to."""
    by_id = {od.id: od for od in objectives if od.id}
    out: list[ObjectiveDoc] = []
    placed: set[int] = set()
    for od in objectives:
        chain, in_chain = [], set()  # od, then its parents not placed yet, up to the top
        while od is not None and id(od) not in placed and id(od) not in in_chain:
            chain.append(od)
            in_chain.add(id(od))
            od = by_id.get(od.aligns_to) if od.aligns_to else None
        for up in reversed(chain):
            placed.add(id(up))
            out.append(up)
    return out


class _Importer:
    def __init__(
        self,
        workspace: Workspace,
        actor: User | None,
        filename: str,
        partial: bool = False,
        progress: Callable[[int], None] | None = None,
    ):
        self.ws = workspace
        self.actor = actor
        self.filename = filename
        self.partial = partial
        self.progress = progress
        self.done = 0
        self.errors: list[str] = []
        self.members: dict[str, Member] = {
            m.user.email.lower(): m
            for m in Member.objects.filter(workspace=workspace).select_related("user")
        }
        self.teams: dict[str, Team] = {
            t.name.lower(): t for t in Team.objects.filter(workspace=workspace)
        }

    def member(self, email: str | None, name: str = "", role: str = Role.MEMBER) -> Member | None:
        if not email:
            return None
        key = email.lower()
        if key not in self.members:
            self.members[key] = ws_services.member_ensure(
                workspace=self.ws, email=email, full_name=name, role=role, actor=self.actor
            )
        return self.members[key]

    def team(self, name: str | None) -> Team | None:
        if not name:
            return None
        key = name.strip().lower()
        if key not in self.teams:
            self.teams[key] = ws_services.team_create(
                workspace=self.ws, name=name, actor=self.actor
            )
        return self.teams[key]

    def import_document(self, doc: OkrDocument) -> Cycle:
        for person in doc.people:
            member = self.member(person.email, person.name, person.role)
            if person.name and not member.user.full_name:
                member.user.full_name = person.name
                member.user.save(update_fields=["full_name"])
        for t in doc.teams:
            self.team(t.name)
        for t in doc.teams:
            fields: dict[str, Any] = {"parent": self.team(t.parent), "lead": self.member(t.lead)}
            ws_services.team_update(team=self.team(t.name), actor=self.actor, **fields)
            if t.members is not None:
                ws_services.team_set_members(
                    team=self.team(t.name),
                    members=[self.member(e) for e in t.members],
                    actor=self.actor,
                )
        cycle = self.cycle(doc.cycle)
        # Only the objectives this document may name: a chunk of a large file reads its own.
        ids = [od.id for od in doc.objectives if od.id]
        titles = [od.title for od in doc.objectives if not od.id]
        existing = list(
            Objective.objects.filter(cycle=cycle).filter(Q(ref__in=ids) | Q(title__in=titles))
        )
        by_ref = {o.ref: o for o in existing if o.ref}
        by_title = {o.title: o for o in existing}
        made: dict[int, Objective] = {}
        for i, od in enumerate(doc.objectives):
            obj = by_ref.get(od.id) if od.id else by_title.get(od.title)
            fields = dict(
                title=od.title,
                why=od.why,
                level=od.level,
                owner=self.member(od.owner),
                kind=od.kind,
                status=od.status,
                private=od.private,
                teams=[self.team(t) for t in od.teams],
            )
            if obj is None:
                obj = services.objective_create(
                    workspace=self.ws, cycle=cycle, ref=od.id or "", actor=self.actor, **fields
                )
            else:
                if od.id:
                    fields["ref"] = od.id
                obj = services.objective_update(objective=obj, actor=self.actor, **fields)
            if not self.partial:
                services.objective_update(objective=obj, position=i + 1, actor=self.actor)
            made[i] = obj
            self.key_results(obj, od.key_results)
            self.done += 1
            if self.progress:
                self.progress(self.done)
        refs = {od.id: made[i] for i, od in enumerate(doc.objectives) if od.id}
        for i, od in enumerate(doc.objectives):
            if self.partial and "aligns_to" not in od.model_fields_set:
                continue
            parent = self.resolve_parent(od.aligns_to, refs, doc, i)
            services.objective_update(objective=made[i], parent=parent, actor=self.actor)
        return cycle

    def resolve_parent(self, target, refs, doc, i) -> Objective | None:
        if target is None:
            return None
        if "/" not in target:
            return refs[target]
        cycle_name, ref = target.rsplit("/", 1)
        parent = Objective.objects.filter(
            workspace=self.ws, cycle__name=cycle_name, ref=ref
        ).first()
        if parent is None:
            self.errors.append(
                f"{self.filename}: objectives[{i}].aligns_to: points to {target!r}, but cycle "
                f"{cycle_name!r} of workspace {self.ws.slug!r} has no objective with id {ref!r}"
            )
        return parent

    def cycle(self, cd: CycleDoc) -> Cycle:
        within = (
            Cycle.objects.filter(workspace=self.ws, name=cd.within).first() if cd.within else None
        )
        if cd.within and within is None:
            self.errors.append(f"{self.filename}: cycle.within: no cycle named {cd.within!r}")
        kind = cd.kind or Cycle.Kind.CUSTOM
        cycle = Cycle.objects.filter(workspace=self.ws, name=cd.name).first()
        if cycle is None:
            return services.cycle_create(
                workspace=self.ws,
                name=cd.name,
                start=cd.start,
                end=cd.end,
                kind=kind,
                parent=within,
                actor=self.actor,
            )
        fields: dict[str, Any] = {"start": cd.start, "end": cd.end, "parent": within}
        if cd.kind:
            fields["kind"] = cd.kind
        return services.cycle_update(cycle=cycle, actor=self.actor, **fields)

    def key_results(self, obj: Objective, docs: list[KeyResultDoc]) -> None:
        existing = {kr.title: kr for kr in obj.key_results.all()}
        for j, kd in enumerate(docs):
            fields = dict(
                type=kd.type,
                start=kd.start,
                target=kd.target,
                unit=kd.unit,
                owner=self.member(kd.owner),
                team=self.team(kd.team),
                weight=kd.weight,
                scoring=kd.scoring,
                direction=kd.direction,
                driven_by_children=kd.driven_by_children,
            )
            if not self.partial or "starts_on" in kd.model_fields_set:
                fields["starts_on"] = kd.starts_on  # a spreadsheet without it leaves it be
            if kd.type in (scoring.INCREASE, scoring.DECREASE) and kd.start is None:
                fields["start"] = 0.0
            kr = existing.get(kd.title)
            new = kr is None
            if new:
                kr = services.key_result_create(
                    objective=obj, title=kd.title, actor=self.actor, **fields
                )
                if not self.partial and kr.position != j + 1:
                    services.key_result_update(key_result=kr, position=j + 1, actor=self.actor)
                seen = set()
            else:
                if not self.partial:
                    fields["position"] = j + 1
                services.key_result_update(key_result=kr, actor=self.actor, **fields)
                seen = {
                    (c.date, c.value, c.confidence, c.comment)
                    for c in CheckIn.objects.filter(key_result=kr)
                }
            for cd in kd.checkins:
                key = (cd.date, cd.value, cd.confidence, cd.comment)
                if key in seen:
                    continue
                seen.add(key)
                services.checkin_create(
                    key_result=kr,
                    date=cd.date,
                    value=cd.value,
                    confidence=cd.confidence,
                    comment=cd.comment,
                    author=self.member(cd.by),
                    actor=self.actor,
                )
            initiatives = (
                {} if new else {i.title: i for i in Initiative.objects.filter(key_result=kr)}
            )
            for idoc in kd.initiatives:
                owner = self.member(idoc.owner)
                if idoc.title in initiatives:
                    # A file without ``due`` (written before it existed) keeps the date.
                    due = {"due_on": idoc.due} if "due" in idoc.model_fields_set else {}
                    services.initiative_update(
                        initiative=initiatives[idoc.title],
                        status=idoc.status,
                        owner=owner,
                        actor=self.actor,
                        **due,
                    )
                else:
                    services.initiative_create(
                        key_result=kr,
                        title=idoc.title,
                        status=idoc.status,
                        owner=owner,
                        due_on=idoc.due,
                        actor=self.actor,
                    )


# --- Export -----------------------------------------------------------------------------------


def _num(x: float | None):
    if x is None:
        return None
    return int(x) if float(x).is_integer() else x


def export_cycle(cycle: Cycle, *, with_scores: bool = False) -> dict:
    """The cycle as an OKR document; with scores, each objective and KR gets progress/score."""
    ws = cycle.workspace
    objectives = list(selectors.objectives_of_cycle(ws, cycle))

    def email(member: Member | None) -> str | None:
        return None if member is None else member.user.email

    out_objectives = []
    for obj in objectives:
        o: dict[str, Any] = {"id": obj.ref or None, "title": obj.title}
        if obj.why:
            o["why"] = obj.why
        o["level"] = obj.level
        o["owner"] = email(obj.owner)
        o["teams"] = [t.name for t in sorted(obj.teams.all(), key=lambda t: t.name)]
        o["kind"] = obj.kind
        if obj.parent is not None:
            p = obj.parent
            o["aligns_to"] = p.ref if p.cycle_id == cycle.pk else f"{p.cycle.name}/{p.ref}"
        if obj.status != Objective.Status.ACTIVE:
            o["status"] = obj.status
        if obj.private:
            o["private"] = True
        krs = []
        for kr in obj.key_results.all():
            k: dict[str, Any] = {"title": kr.title, "type": kr.type}
            if kr.type != KeyResult.Type.MILESTONE:
                if kr.type != KeyResult.Type.MAINTAIN or kr.start is not None:
                    k["start"] = _num(kr.start)
                k["target"] = _num(kr.target)
            elif kr.target is not None:
                k["target"] = _num(kr.target)
            if kr.unit:
                k["unit"] = kr.unit
            k["owner"] = email(kr.owner)
            if kr.team is not None:
                k["team"] = kr.team.name
            if kr.weight != 1:
                k["weight"] = _num(kr.weight)
            if kr.scoring != KeyResult.Scoring.SPECTRUM:
                k["scoring"] = kr.scoring
            if kr.direction != KeyResult.Direction.HIGHER_IS_BETTER:
                k["direction"] = kr.direction
            if kr.driven_by_children:
                k["driven_by_children"] = True
            if kr.starts_on:
                k["starts_on"] = kr.starts_on
            checkins = []
            for c in kr.checkins.all():
                cd: dict[str, Any] = {
                    "date": c.date,
                    "value": _num(c.value),
                    "confidence": c.confidence,
                }
                if c.comment:
                    cd["comment"] = c.comment
                if c.author is not None:
                    cd["by"] = email(c.author)
                checkins.append(cd)
            if checkins:
                k["checkins"] = checkins
            initiatives = [
                {
                    k2: v
                    for k2, v in {
                        "title": i.title,
                        "status": i.status,
                        "owner": email(i.owner),
                        "due": i.due_on,
                    }.items()
                    if v is not None
                }
                for i in kr.initiatives.all()
            ]
            if initiatives:
                k["initiatives"] = initiatives
            if with_scores:
                k["current"] = _num(kr.current_value)
                k["progress"] = kr.progress
                k["score"] = kr.score
            krs.append({key: v for key, v in k.items() if v is not None or key == "current"})
        o["key_results"] = krs
        if with_scores:
            o["progress"] = obj.progress
            o["score"] = obj.score
        out_objectives.append({key: v for key, v in o.items() if v is not None})

    cycle_doc: dict[str, Any] = {
        "name": cycle.name,
        "start": cycle.start,
        "end": cycle.end,
        "kind": cycle.kind,
    }
    if cycle.parent is not None:
        cycle_doc["within"] = cycle.parent.name
    teams = list(
        Team.objects.filter(workspace=ws)
        .select_related("parent", "lead__user")
        .prefetch_related("members__user")
    )
    team_docs = []
    for t in teams:
        td: dict[str, Any] = {"name": t.name}
        if t.parent is not None:
            td["parent"] = t.parent.name
        if t.lead is not None:
            td["lead"] = t.lead.user.email
        td["members"] = sorted(m.user.email for m in t.members.all())
        team_docs.append(td)
    people = []
    for m in Member.objects.filter(workspace=ws).select_related("user").order_by("user__email"):
        pd: dict[str, Any] = {"email": m.user.email}
        if m.user.full_name:
            pd["name"] = m.user.full_name
        pd["role"] = m.role
        people.append(pd)
    return {
        "workspace": ws.slug,
        "workspace_name": ws.name,
        "cycle": cycle_doc,
        "people": people,
        "teams": team_docs,
        "objectives": out_objectives,
    }


def _json_default(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {value!r}")


def export_workspace(workspace: Workspace, fmt: str, cycle_name: str | None = None) -> str:
    """The workspace's cycles (or one) as YAML (a stream, one document a cycle) or JSON."""
    cycles = list(selectors.cycles_list(workspace))
    if cycle_name is not None:
        cycles = [c for c in cycles if c.name == cycle_name]
        if not cycles:
            raise OkrFileError([f"workspace {workspace.slug!r} has no cycle named {cycle_name!r}"])
    if fmt not in ("json", "yaml"):
        raise ValueError(f"unknown format {fmt!r}")
    docs = [export_cycle(c, with_scores=fmt == "json") for c in cycles]
    if fmt == "json":
        payload: Any = docs[0] if len(docs) == 1 else docs
        return json.dumps(payload, default=_json_default, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True, width=100)
