"""Reads of workspaces and the one helper that scopes a looked-up object to a workspace."""

from __future__ import annotations

import re
from typing import TypeVar

from django.db import models
from django.http import Http404

from .models import Member, Team, User, Workspace

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
