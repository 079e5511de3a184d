"""Reads of workspaces and the one helper that scopes a looked-up object to a workspace."""

from __future__ import annotations

import re
from typing import TypeVar

from django.db import connections, models, router
from django.http import Http404

from .models import ApiToken, Member, Team, User, Workspace

M = TypeVar("M", bound=models.Model)


def scoped_get(queryset: models.QuerySet[M] | type[M], workspace: Workspace, **lookup) -> M:
    """The object matching ``lookup`` inside ``workspace``; 404 otherwise.

    An object of another workspace is reported exactly like one that does not exist, so a
    URL never confirms what another tenant has.
    """
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        return qs.get(workspace=workspace, **lookup)
    except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(qs.model._meta.verbose_name) from exc


def workspaces_of_user(user: User) -> models.QuerySet[Workspace]:
    # The switcher lists them all: their logos' bytes stay in the database.
    return (
        Workspace.objects.filter(members__user=user, members__deactivated_at__isnull=True)
        .defer("logo")
        .order_by("name")
    )


def member_of(workspace: Workspace, user: User) -> Member | None:
    if not user.is_authenticated:
        return None
    # A member deactivated by the company's directory (SCIM) keeps their history, not access.
    return (
        Member.objects.select_related("user")
        .filter(workspace=workspace, user=user, deactivated_at__isnull=True)
        .first()
    )


def active_token(digest: str) -> ApiToken | None:
    """The API token of this digest if it is not revoked and its member not deactivated,
    with its workspace and its member's user (the member's workspace set to it too).

    Every API request asks this first, so it is one fixed statement, written once a
    database from the models' own tables and columns, its values converted as the ORM
    converts them. Django composed the same join of four tables in 0.55 ms a request, for a
    statement that runs in 0.05. ``tests/test_api.py`` holds it to the ORM's answer."""
    alias = router.db_for_read(ApiToken)
    connection = connections[alias]
    if connection.vendor not in _TOKEN_STATEMENT:
        _TOKEN_STATEMENT[connection.vendor] = _token_statement(connection)
    sql, parts = _TOKEN_STATEMENT[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(sql, [digest])
        row = cursor.fetchone()
    if row is None:
        return None
    found, at = [], 0
    for model, names, columns in parts:
        values = []
        for value, (col, converters) in zip(row[at : at + len(names)], columns, strict=True):
            for convert in converters:
                value = convert(value, col, connection)
            values.append(value)
        found.append(model.from_db(alias, names, values))
        at += len(names)
    token, workspace, member, user = found
    member.user, member.workspace = user, workspace
    token.workspace, token.member = workspace, member
    return token


_TOKEN_STATEMENT: dict[str, tuple] = {}


def _token_statement(connection) -> tuple:
    q = connection.ops.quote_name
    parts, select = [], []
    for model, alias in ((ApiToken, "t"), (Workspace, "w"), (Member, "m"), (User, "u")):
        fields = model._meta.concrete_fields
        columns = []
        for field in fields:
            col = field.get_col(alias)
            converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            columns.append((col, converters))
            select.append(f"{alias}.{q(field.column)}")
        parts.append((model, [f.attname for f in fields], columns))
    table = {m: q(m._meta.db_table) for m in (ApiToken, Workspace, Member, User)}
    sql = (
        f"SELECT {', '.join(select)} FROM {table[ApiToken]} t "  # noqa: S608 - names of our own
        f"JOIN {table[Workspace]} w ON w.{q('id')} = t.{q('workspace_id')} "
        f"JOIN {table[Member]} m ON m.{q('id')} = t.{q('member_id')} "
        f"JOIN {table[User]} u ON u.{q('id')} = m.{q('user_id')} "
        f"WHERE t.{q('digest')} = %s AND t.{q('revoked_at')} IS NULL "
        f"AND m.{q('deactivated_at')} IS NULL"
    )
    return sql, parts


def members_list(workspace: Workspace) -> models.QuerySet[Member]:
    return Member.objects.filter(workspace=workspace).select_related("user")


def teams_list(workspace: Workspace) -> models.QuerySet[Team]:
    return Team.objects.filter(workspace=workspace).select_related("parent", "lead__user")


# ``@tess``, ``@tess.t``, ``@Tess``, ``@张伟``: a word after an @ that is not part of an
# address (``anna@acme.test`` mentions no one).
MENTION = re.compile(r"(?<![\w@.])@([\w][\w.\-]*\w|\w)", re.UNICODE)
MAX_MENTIONS = 10


def mentioned_members(workspace: Workspace, text: str) -> list[Member]:
    """The members a text mentions with ``@name``: the part of their e-mail before the @,
    their first name, or their whole name without spaces. A name two members share mentions
    neither (no guessing); each handle is one bounded query."""
    found: dict[int, Member] = {}
    for handle in dict.fromkeys(MENTION.findall(text or "")):
        if len(found) >= MAX_MENTIONS:
            break
        members = Member.objects.filter(workspace=workspace).select_related("user")
        by_email = list(members.filter(user__email__istartswith=handle + "@")[:2])
        candidates = by_email or [
            m
            for m in members.filter(
                models.Q(user__full_name__istartswith=handle)
                | models.Q(user__full_name__iexact=handle)
            )[:20]
            if _named(m.user.full_name, handle)
        ]
        if len(candidates) == 1:
            found.setdefault(candidates[0].pk, candidates[0])
    return list(found.values())


def _named(full_name: str, handle: str) -> bool:
    name, handle = full_name.casefold(), handle.casefold()
    first = name.split()[0] if name.split() else ""
    return handle in (first, name.replace(" ", ""))


def second_factor_counts(workspace, *, listed: int = 50) -> dict:
    """How many of the workspace's people have a second factor, and (the first ``listed``)
    who has none: the admins first."""
    from allauth.mfa.models import Authenticator

    from .models import Role

    people = Member.objects.filter(workspace=workspace).exclude(role=Role.CLIENT)
    with_factor = Authenticator.objects.filter(
        type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).values("user_id")
    without = people.exclude(user_id__in=with_factor)
    rank = models.Case(
        models.When(role=Role.OWNER, then=0),
        models.When(role=Role.ADMIN, then=1),
        default=2,
    )
    return {
        "people": people.count(),
        "without_count": without.count(),
        "without": without.select_related("user").order_by(rank, "user__email")[:listed],
    }


AUDIT_PAGE = 50
# Security events (sign-ins, failures, lockouts, second factors, sessions) are about a person
# and belong to no workspace: each workspace's trail shows those of its members.
SECURITY_TYPE = "workspaces.user"
AUDIT_EXPORT_MAX = 10_000


def audit_entries(workspace, *, actor=None, object_type="", since=None, until=None, before=None):
    """The workspace's audit trail with its members' security events, newest first, filtered
    by who (what they did, and what happened to their account), kind of record (``security``:
    the security events) and date; ``before``: only entries older than that id."""
    from .models import AuditEntry

    people = Member.objects.filter(workspace=workspace).values("user_id")
    security = models.Q(workspace__isnull=True, object_type=SECURITY_TYPE, object_id__in=people)
    if object_type == "security":
        found = AuditEntry.objects.filter(security)
    else:
        found = AuditEntry.objects.filter(models.Q(workspace=workspace) | security)
        if object_type:
            found = found.filter(object_type=object_type)
    found = found.select_related("actor")
    if actor is not None:
        found = found.filter(models.Q(actor=actor) | (security & models.Q(object_id=actor.pk)))
    if since is not None:
        found = found.filter(created_at__date__gte=since)
    if until is not None:
        found = found.filter(created_at__date__lte=until)
    if before is not None:
        found = found.filter(pk__lt=before)
    return found.order_by("-id")


def audit_changes(entry) -> list[tuple[str, object, object]]:
    """The fields an entry changed: (field, before, after); a creation's or deletion's fields
    with the missing side as None."""
    before, after = entry.before or {}, entry.after or {}
    return [
        (name, before.get(name), after.get(name))
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]
