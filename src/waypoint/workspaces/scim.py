"""SCIM 2.0 (RFC 7643, 7644): a company's directory (Okta, Microsoft Entra ID, OneLogin, ...)
provisions a workspace's people as members and its groups as teams.

The bearer token names the workspace (one per workspace, made in Settings → Security). Users:
list and filter (``userName``, ``externalId``, ``emails.value`` ``eq``), create, read,
replace, patch (Okta's and Entra's forms, including Entra's ``"False"`` strings) and delete,
which deactivates. Groups: the same, with members added, removed or replaced. Bodies are at
most 1 MB and a patch at most 1,000 operations; errors are SCIM error documents, never 5xx.
"""

from __future__ import annotations

import json
import re

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from . import directory
from .models import Member, Team

SCHEMA_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCHEMA_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
SCHEMA_LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SCHEMA_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCHEMA_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SCHEMA_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
CONTENT_TYPE = "application/scim+json"
MAX_BODY = 1024 * 1024
MAX_OPERATIONS = 1000
MAX_PAGE = 200
_FILTER = re.compile(r'^\s*([A-Za-z][\w.]*)\s+eq\s+"((?:[^"\\]|\\.){0,300})"\s*$', re.I)


class ScimError(Exception):
    def __init__(self, status: int, detail: str, scim_type: str = ""):
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type


def _answer(body: dict | None, status: int = 200) -> HttpResponse:
    if body is None:
        return HttpResponse(status=status)
    return HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)


def _error(status: int, detail: str, scim_type: str = "") -> HttpResponse:
    body = {"schemas": [SCHEMA_ERROR], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return _answer(body, status)


def _body(request) -> dict:
    if len(request.body) > MAX_BODY:
        raise ScimError(413, "The body is larger than 1 MB.", "tooLarge")
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, RecursionError) as exc:
        raise ScimError(400, "The body is not JSON.", "invalidSyntax") from exc
    if not isinstance(data, dict):
        raise ScimError(400, "The body must be a JSON object.", "invalidSyntax")
    return data


def _flag(value) -> bool:
    """SCIM's booleans; Entra ID sends "True" and "False" as strings."""
    if isinstance(value, str):
        if value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise ScimError(400, f"Not a boolean: {value!r}.", "invalidValue")
    if isinstance(value, bool):
        return value
    raise ScimError(400, "active must be a boolean.", "invalidValue")


def _text(value, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise ScimError(400, f"{name} must be a string.", "invalidValue")
    return str(value)


def _location(request, kind: str, pk: int) -> str:
    return request.build_absolute_uri(reverse("scim_resource", args=[kind, pk]))


# --- Resources --------------------------------------------------------------------------------


def user_resource(request, member: Member) -> dict:
    user = member.user
    given, _sp, family = user.full_name.partition(" ")
    return {
        "schemas": [SCHEMA_USER],
        "id": str(member.pk),
        "externalId": member.external_id or None,
        "userName": user.email,
        "displayName": user.full_name or user.email,
        "name": {"formatted": user.full_name, "givenName": given, "familyName": family},
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "active": member.deactivated_at is None,
        "groups": [{"value": str(t.pk), "display": t.name} for t in member.teams.all()],
        "meta": {
            "resourceType": "User",
            "created": member.created_at.isoformat(),
            "location": _location(request, "Users", member.pk),
        },
    }


def group_resource(request, team: Team) -> dict:
    return {
        "schemas": [SCHEMA_GROUP],
        "id": str(team.pk),
        "externalId": team.external_id or None,
        "displayName": team.name,
        "members": [
            {"value": str(m.pk), "display": m.user.email}
            for m in team.members.select_related("user")
        ],
        "meta": {"resourceType": "Group", "location": _location(request, "Groups", team.pk)},
    }


def _name_of(data: dict) -> str | None:
    name = data.get("name")
    if isinstance(name, dict):
        formatted = _text(name.get("formatted"), "name.formatted")
        if formatted:
            return formatted
        parts = [_text(name.get("givenName"), "givenName"), _text(name.get("familyName"), "x")]
        if any(parts):
            return " ".join(p for p in parts if p)
    if "displayName" in data:
        return _text(data.get("displayName"), "displayName")
    return None


def _email_of(data: dict) -> str | None:
    if "userName" in data:
        return _text(data["userName"], "userName")
    emails = data.get("emails")
    if isinstance(emails, list) and emails:
        primary = next((e for e in emails if isinstance(e, dict) and e.get("primary")), emails[0])
        if isinstance(primary, dict):
            return _text(primary.get("value"), "emails.value")
    return None


# --- Filters and pages ------------------------------------------------------------------------

_USER_FILTERS = {
    "username": "user__email__iexact",
    "externalid": "external_id",
    "emails.value": "user__email__iexact",
    "emails": "user__email__iexact",
    "id": "pk",
}
_GROUP_FILTERS = {"displayname": "name", "externalid": "external_id", "id": "pk"}


def _filtered(request, queryset, filters: dict):
    text = request.GET.get("filter", "")
    if text:
        match = _FILTER.match(text[:400])
        if not match or match.group(1).lower() not in filters:
            raise ScimError(
                400, "Filters are one attribute, eq, and a quoted value.", "invalidFilter"
            )
        lookup = filters[match.group(1).lower()]
        value = match.group(2).replace('\\"', '"').replace("\\\\", "\\")
        if lookup == "pk" and not value.isdigit():
            return queryset.none()
        queryset = queryset.filter(**{lookup: value})
    return queryset


def _page(request, queryset, render) -> dict:
    try:
        start = max(1, int(request.GET.get("startIndex", 1)))
        count = min(MAX_PAGE, max(0, int(request.GET.get("count", 100))))
    except ValueError as exc:
        raise ScimError(400, "startIndex and count are numbers.", "invalidValue") from exc
    total = queryset.count()
    rows = list(queryset.order_by("pk")[start - 1 : start - 1 + count])
    return {
        "schemas": [SCHEMA_LIST],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(rows),
        "Resources": [render(request, row) for row in rows],
    }


# --- Patch ------------------------------------------------------------------------------------

_MEMBER_PATH = re.compile(r'^members\[value eq "(\d{1,18})"\]$', re.I)


def _operations(data: dict) -> list[tuple[str, str, object]]:
    ops = data.get("Operations")
    if not isinstance(ops, list) or not ops:
        raise ScimError(400, "A patch lists its Operations.", "invalidSyntax")
    if len(ops) > MAX_OPERATIONS:
        raise ScimError(400, "At most 1,000 operations a patch.", "tooMany")
    found = []
    for op in ops:
        if not isinstance(op, dict):
            raise ScimError(400, "Each operation is an object.", "invalidSyntax")
        kind = str(op.get("op", "")).lower()
        if kind not in ("add", "replace", "remove"):
            raise ScimError(400, f"Unknown operation {op.get('op')!r}.", "invalidSyntax")
        found.append((kind, str(op.get("path") or ""), op.get("value")))
    return found


def _patch_user(member: Member, data: dict) -> None:
    changes: dict = {}
    for kind, path, value in _operations(data):
        if kind == "remove":
            continue  # nothing of a person can be removed but through active
        values = value if not path and isinstance(value, dict) else {path: value}
        for key, item in values.items():
            key_l = key.lower()
            if key_l == "active":
                changes["active"] = _flag(item)
            elif key_l == "username":
                changes["email"] = _text(item, "userName")
            elif key_l in ("displayname", "name.formatted"):
                changes["full_name"] = _text(item, "displayName")
            elif key_l == "name" and isinstance(item, dict):
                changes["full_name"] = _name_of({"name": item}) or ""
            elif key_l in ("name.givenname", "name.familyname"):
                given, _sp, family = (changes.get("full_name") or member.user.full_name).partition(
                    " "
                )
                part = _text(item, key)
                changes["full_name"] = (
                    f"{part} {family}" if key_l.endswith("givenname") else f"{given} {part}"
                ).strip()
            elif key_l == "externalid":
                changes["external_id"] = _text(item, "externalId")
            elif key_l.startswith("emails") and (key_l.endswith(".value") or key_l == "emails"):
                email = _email_of({"emails": item}) if isinstance(item, list) else item
                changes["email"] = _text(email, "emails")
            # Other attributes (title, phone numbers, enterprise extension) are not kept.
    directory.person_update(member=member, **changes)


def _patch_group(team: Team, data: dict) -> None:
    name = external_id = replace = None
    add: list[str] = []
    remove: list[str] = []

    def ids(value) -> list[str]:
        items = value if isinstance(value, list) else [value]
        return [str(v.get("value")) for v in items if isinstance(v, dict) and "value" in v]

    for kind, path, value in _operations(data):
        path_l = path.lower()
        one = _MEMBER_PATH.match(path)
        if kind == "remove" and one:
            remove.append(one.group(1))
        elif path_l == "members":
            if kind == "add":
                add += ids(value)
            elif kind == "remove":
                if value is None:
                    replace = []
                else:
                    remove += ids(value)
            else:
                replace = ids(value)
        elif path_l == "displayname" and kind != "remove":
            name = _text(value, "displayName")
        elif path_l == "externalid" and kind != "remove":
            external_id = _text(value, "externalId")
        elif not path and isinstance(value, dict):
            if "displayName" in value:
                name = _text(value["displayName"], "displayName")
            if "externalId" in value:
                external_id = _text(value["externalId"], "externalId")
            if "members" in value:
                if kind == "add":
                    add += ids(value["members"])
                else:
                    replace = ids(value["members"])
        else:
            raise ScimError(400, f"Cannot {kind} {path!r} of a group.", "invalidPath")
    directory.team_update(
        team=team, name=name, external_id=external_id, add=add, remove=remove, replace=replace
    )


# --- Views ------------------------------------------------------------------------------------


def _workspace(request):
    header = request.headers.get("Authorization", "")
    scheme, _sp, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise ScimError(401, "Send the workspace's SCIM token as a Bearer token.")
    workspace = directory.token_workspace(raw.strip())
    if workspace is None:
        raise ScimError(401, "This SCIM token is unknown or revoked.")
    return workspace


def _members(workspace):
    return (
        Member.objects.filter(workspace=workspace).select_related("user").prefetch_related("teams")
    )


def _handle(request, kind: str | None, pk: str | None):
    workspace = _workspace(request)
    if kind == "ServiceProviderConfig":
        return _answer(_config(request))
    if kind in ("ResourceTypes", "Schemas"):
        return _answer(_resource_types(request))
    if kind not in ("Users", "Groups"):
        raise ScimError(404, "Unknown resource.")
    users = kind == "Users"
    render = user_resource if users else group_resource
    queryset = _members(workspace) if users else Team.objects.filter(workspace=workspace)
    if pk is None:
        if request.method == "GET":
            filtered = _filtered(request, queryset, _USER_FILTERS if users else _GROUP_FILTERS)
            return _answer(_page(request, filtered, render))
        if request.method != "POST":
            raise ScimError(405, "Use GET or POST here.")
        data = _body(request)
        if users:
            active = _flag(data["active"]) if "active" in data else True
            made = directory.person_provision(
                workspace=workspace,
                email=_email_of(data) or "",
                full_name=_name_of(data) or "",
                external_id=_text(data.get("externalId"), "externalId"),
                active=active,
            )
            made = _members(workspace).get(pk=made.pk)
        else:
            made = directory.team_provision(
                workspace=workspace,
                name=_text(data.get("displayName"), "displayName"),
                external_id=_text(data.get("externalId"), "externalId"),
                member_ids=[
                    str(m.get("value")) for m in data.get("members") or [] if isinstance(m, dict)
                ],
            )
        return _answer(render(request, made), 201)
    found = queryset.filter(pk=int(pk)).first() if pk.isdigit() else None
    if found is None:
        raise ScimError(404, f"No such {kind[:-1].lower()}.")
    if request.method == "GET":
        return _answer(render(request, found))
    if request.method == "DELETE":
        if users:
            directory.person_remove(member=found)
        else:
            directory.team_remove(team=found)
        return _answer(None, 204)
    data = _body(request)
    if request.method == "PATCH":
        (_patch_user if users else _patch_group)(found, data)
    elif request.method == "PUT":
        if users:
            directory.person_update(
                member=found,
                email=_email_of(data),
                full_name=_name_of(data),
                external_id=_text(data.get("externalId"), "externalId"),
                active=_flag(data["active"]) if "active" in data else None,
            )
        else:
            directory.team_update(
                team=found,
                name=_text(data.get("displayName"), "displayName"),
                external_id=_text(data.get("externalId"), "externalId"),
                replace=[
                    str(m.get("value")) for m in data.get("members") or [] if isinstance(m, dict)
                ],
            )
    else:
        raise ScimError(405, "Use GET, PUT, PATCH or DELETE here.")
    return _answer(render(request, queryset.get(pk=found.pk)))


@csrf_exempt
def endpoint(request, kind: str | None = None, pk: str | None = None):
    try:
        return _handle(request, kind, pk)
    except ScimError as exc:
        return _error(exc.status, exc.detail, exc.scim_type)
    except ValidationError as exc:
        detail = " ".join(exc.messages)
        clash = "already" in detail or "exists" in detail or "Another" in detail
        return _error(409 if clash else 400, detail, "uniqueness" if clash else "invalidValue")


def _config(request) -> dict:
    return {
        "schemas": [SCHEMA_CONFIG],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_PAGE},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "The workspace's SCIM token, from Settings → Security.",
                "primary": True,
            }
        ],
    }


def _resource_types(request) -> dict:
    types = [
        {"id": "User", "name": "User", "endpoint": "/Users", "schema": SCHEMA_USER},
        {"id": "Group", "name": "Group", "endpoint": "/Groups", "schema": SCHEMA_GROUP},
    ]
    return {
        "schemas": [SCHEMA_LIST],
        "totalResults": len(types),
        "Resources": [
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"], **t} for t in types
        ],
    }
