"""Privacy: everything Waypoint holds about a person, downloaded by them; a person erased by
an admin; a workspace deleted after a grace period, with a final export; and how long a
workspace's audit trail is kept.

What belongs to a person is found from the schema, not listed by hand: every record whose
foreign key points at them (their user) or at one of their memberships, in any app, so a
model added later is exported and erased without anyone remembering to.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, backup, security
from .models import AuditEntry, Member, Role, User, Workspace

# Never exported, even to the person: what would let someone else act as them.
_CREDENTIALS = {
    "password",
    "secret",
    "digest",
    "hook_digest",
    "bot_token_secret",
    "session_key",
    "p256dh",
    "auth",
    "sessions_epoch",
}
# Rows that are not the person's data: the operators' admin log, replayed API answers.
_NOT_PERSONAL = {"admin.LogEntry", "workspaces.IdempotencyKey", "workspaces.AuditEntry"}
# Apps whose rows belong to workspaces (and carry their free text): those a backup holds, and
# the search index, which a backup rebuilds rather than copies.
_WORKSPACE_APPS = (*backup.APPS, "search")


def _personal_fields() -> list[tuple[type[models.Model], models.Field]]:
    """(model, field) for every relation to a user or a membership."""
    found = []
    for model in apps.get_models():
        if model._meta.label in _NOT_PERSONAL:
            continue
        for f in model._meta.get_fields():
            if (
                getattr(f, "remote_field", None)
                and not f.auto_created
                and f.concrete
                and f.related_model in (User, Member)
            ):
                found.append((model, f))
    return found


def _row(obj) -> dict:
    data = audit.snapshot(obj)
    if obj._meta.label == "mfa.Authenticator":
        data.pop("data", None)  # the factor's own secrets
    return {k: v for k, v in data.items() if k not in _CREDENTIALS}


def person_export(user: User) -> Iterator[str]:
    """The person's data as one JSON document, written a piece at a time: their account,
    every record pointing at them or their memberships, and the audit trail of what they
    did and what happened to their account."""
    members = list(Member.objects.filter(user=user).values_list("pk", flat=True))
    yield json.dumps(
        {
            "format": "waypoint-personal-data",
            "version": 1,
            "exported_at": timezone.now().isoformat(),
            "account": _row(user),
        }
    )[:-1]
    yield ', "records": {'
    first = True
    for model, field in _personal_fields():
        target = user.pk if field.related_model is User else None
        if field.many_to_many:
            rows = model.objects.filter(**{f"{field.name}__in": members}).distinct()
        elif target is not None:
            rows = model.objects.filter(**{field.name: target})
        else:
            rows = model.objects.filter(**{f"{field.name}__in": members})
        label = f"{model._meta.label}.{field.name}"
        yield ("" if first else ", ") + json.dumps(label) + ": ["
        first = False
        for i, obj in enumerate(rows.order_by("pk").iterator(chunk_size=1000)):
            yield ("" if i == 0 else ", ") + json.dumps(_row(obj), default=str)
        yield "]"
    yield '}, "audit": ['
    trail = AuditEntry.objects.filter(
        models.Q(actor=user) | models.Q(object_type="workspaces.user", object_id=user.pk)
    ).order_by("pk")
    for i, entry in enumerate(trail.iterator(chunk_size=1000)):
        yield ("" if i == 0 else ", ") + json.dumps(
            {
                "when": entry.created_at.isoformat(),
                "action": entry.action,
                "record": f"{entry.object_type}#{entry.object_id}",
                "before": entry.before,
                "after": entry.after,
            },
            default=str,
        )
    yield "]}"


# --- Erasure ----------------------------------------------------------------------------------


def placeholder(member: Member) -> str:
    return f"Former member {member.pk}"


def _words(user: User, *, own: bool) -> list[str]:
    """What to replace: the full name, the address and @-mentions; in what the person wrote
    or owns (``own``), also each part of their name."""
    words = {user.email, "@" + user.email.partition("@")[0]}
    if len(user.full_name.strip()) >= 3:
        words.add(user.full_name.strip())
    parts = [p for p in user.full_name.split() if len(p) >= 3]
    words |= {f"@{p}" for p in parts}
    if own:
        words |= set(parts)
    return sorted((w for w in words if w), key=len, reverse=True)


def _pattern(user: User, *, own: bool = False) -> re.Pattern:
    """Those words, whole."""
    return re.compile(
        r"(?<![\w@.])(?:" + "|".join(re.escape(w) for w in _words(user, own=own)) + r")(?![\w])",
        re.IGNORECASE,
    )


def _scrub(value, pattern: re.Pattern, replacement: str):
    if isinstance(value, str):
        return pattern.sub(replacement, value)
    if isinstance(value, list):
        return [_scrub(v, pattern, replacement) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, pattern, replacement) for k, v in value.items()}
    return value


def _text_fields(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField | models.JSONField)
        and not f.choices
        and not f.primary_key
        and f.attname not in _CREDENTIALS
    ]


def _scrub_workspace_text(workspace: Workspace, member: Member, user: User, replacement: str):
    """Replace the person's name, address and mentions in every text of the workspace's
    records (titles, notes, comments, reports, notifications); in the records they wrote or
    own, each part of their name too."""
    personal = _personal_fields()
    for app in _WORKSPACE_APPS:
        for model in apps.get_app_config(app).get_models():
            if model is AuditEntry or "workspace" not in {
                f.name for f in model._meta.concrete_fields
            }:
                continue
            theirs = models.Q(pk__in=[])
            for owner_model, field in personal:
                if owner_model is model and not field.many_to_many:
                    target = user if field.related_model is User else member
                    theirs |= models.Q(**{field.name: target})
            for field in _text_fields(model):
                rows = model.objects.filter(workspace=workspace)
                column = field.attname
                if isinstance(field, models.JSONField):
                    rows = rows.annotate(_text=Cast(field.attname, models.TextField()))
                    column = "_text"
                for own, scope in ((True, theirs), (False, ~theirs)):
                    match = models.Q()
                    for word in _words(user, own=own):
                        match |= models.Q(**{f"{column}__icontains": word})
                    pattern = _pattern(user, own=own)
                    for pk, value in rows.filter(scope & match).values_list("pk", field.attname):
                        new = _scrub(value, pattern, replacement)
                        if new != value:
                            model.objects.filter(pk=pk).update(**{field.attname: new})


def _scrub_trail(workspace: Workspace, member: Member, user: User, replacement: str) -> None:
    """The audit trail keeps every change, and the person's name and address nowhere: the
    entries about them or made by them (where each part of their name goes too), and any
    entry of the workspace whose text holds their name, address or a mention."""
    about = (
        models.Q(object_type="workspaces.user", object_id=user.pk)
        | models.Q(object_type="workspaces.member", object_id=member.pk)
        | models.Q(actor_id=user.pk)
    )
    holds = models.Q()
    for word in _words(user, own=False):
        holds |= (
            models.Q(object_repr__icontains=word)
            | models.Q(_before__icontains=word)
            | models.Q(_after__icontains=word)
        )
    entries = (
        AuditEntry.objects.annotate(
            _before=Cast("before", models.TextField()), _after=Cast("after", models.TextField())
        )
        .filter(about | (models.Q(workspace=workspace) & holds))
        .only(
            "pk", "action", "actor_id", "object_type", "object_id", "before", "after", "object_repr"
        )
    )
    own, other = _pattern(user, own=True), _pattern(user, own=False)
    for entry in entries.iterator(chunk_size=1000):
        theirs = entry.actor_id == user.pk or (
            (entry.object_type, entry.object_id)
            in {("workspaces.user", user.pk), ("workspaces.member", member.pk)}
        )
        pattern = own if theirs else other
        before = _scrub(entry.before, pattern, replacement)
        after = _scrub(entry.after, pattern, replacement)
        repr_ = _scrub(entry.object_repr, pattern, replacement)
        if entry.action.startswith("security.") and isinstance(after, dict):
            after = {k: v for k, v in after.items() if k not in ("ip", "agent", "ended")}
        if (before, after, repr_) != (entry.before, entry.after, entry.object_repr):
            AuditEntry.objects.filter(pk=entry.pk).update(
                before=before, after=after, object_repr=repr_
            )


@transaction.atomic
def person_erase(*, member: Member, actor: User, keep_comments: bool) -> None:
    """Erase a person from the workspace: their name and address replaced everywhere by
    "Former member N" (records, texts, the audit trail), their comments kept (under that
    name) or removed, their account emptied and closed. Their check-ins and what they owned
    stay, as the history of the work. Someone who is also in another workspace is removed
    here instead: their account is not this workspace's to erase."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    from waypoint.search.index import reindex

    user = member.user
    workspace = member.workspace
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot erase yourself."))
    if member.role == Role.OWNER:
        raise ValidationError(_("An owner cannot be erased: make them an admin first."))
    if Member.objects.filter(user=user).exclude(workspace=workspace).exists():
        raise ValidationError(
            _("This person is also in another workspace: remove them from this one instead.")
        )
    replacement = placeholder(member)
    if not keep_comments:
        from waypoint.okrs.models import Comment

        Comment.objects.filter(workspace=workspace, author=member).delete()
    # The name and address to find, before the account forgets them.
    erased = User(pk=user.pk, email=user.email, full_name=user.full_name)
    # What only served the person: tokens, subscriptions, links, preferences, their inbox.
    for model, field in _personal_fields():
        if model._meta.label in {
            "workspaces.ApiToken",
            "integrations.PushSubscription",
            "integrations.SlackUser",
            "integrations.NotificationPrefs",
            "integrations.InboundMail",
        } or (model._meta.label == "integrations.Notification" and field.name == "recipient"):
            model.objects.filter(**{field.name: member}).delete()
    workspace.invitations.filter(email__iexact=user.email).delete()
    security.sign_out_everywhere(user=user, actor=actor)
    for model in (EmailAddress, Authenticator, SocialAccount):
        model.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(
        full_name=replacement,
        email=f"erased-{user.pk}@erased.invalid",
        password=make_password(None),
        is_active=False,
    )
    Member.objects.filter(pk=member.pk).update(deactivated_at=timezone.now(), external_id="")
    member.refresh_from_db()
    member.user.refresh_from_db()
    _scrub_workspace_text(workspace, member, erased, replacement)
    _scrub_trail(workspace, member, erased, replacement)
    audit.record(
        workspace=workspace,
        actor=actor,
        action="person.erase",
        obj=member,
        after={"name": replacement, "comments": "kept" if keep_comments else "removed"},
    )
    reindex(workspace.pk)


# --- Workspace deletion -----------------------------------------------------------------------


def deletion_due_at(workspace: Workspace) -> dt.datetime | None:
    if workspace.deletion_requested_at is None:
        return None
    return workspace.deletion_requested_at + dt.timedelta(days=settings.DELETION_GRACE_DAYS)


@transaction.atomic
def deletion_request(*, workspace: Workspace, actor: User, confirm: str) -> Workspace:
    if confirm.strip() != workspace.slug:
        raise ValidationError({"confirm": _("Type the workspace's address to confirm.")})
    if workspace.deletion_requested_at is None:
        workspace.deletion_requested_at = timezone.now()
        workspace.deletion_requested_by = actor
        workspace.save(update_fields=["deletion_requested_at", "deletion_requested_by"])
        audit.record(
            workspace=workspace,
            actor=actor,
            action="workspace.deletion_request",
            obj=workspace,
            after={"due": deletion_due_at(workspace).isoformat()},
        )
    return workspace


@transaction.atomic
def deletion_cancel(*, workspace: Workspace, actor: User) -> Workspace:
    if workspace.deletion_requested_at is not None:
        workspace.deletion_requested_at = None
        workspace.deletion_requested_by = None
        workspace.save(update_fields=["deletion_requested_at", "deletion_requested_by"])
        audit.record(
            workspace=workspace, actor=actor, action="workspace.deletion_cancel", obj=workspace
        )
    return workspace


def delete_due(now: dt.datetime | None = None) -> list[str]:
    """Delete the workspaces whose grace period is over; the slugs that went. Each deletion
    leaves one row in the operators' trail (no workspace), naming what went and when."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.DELETION_GRACE_DAYS)
    gone = []
    for workspace in Workspace.objects.filter(deletion_requested_at__lte=cutoff).defer("logo"):
        with transaction.atomic():
            audit.record(
                workspace=None,
                actor=workspace.deletion_requested_by,
                action="workspace.delete",
                obj=workspace,
                after={"slug": workspace.slug, "name": workspace.name},
            )
            _delete(workspace)
        gone.append(workspace.slug)
    return gone


def _delete(workspace: Workspace) -> None:
    """The workspace and everything in it. Some records protect what they point at (an
    objective its cycle): those go first, a kind at a time."""
    for _round in range(10):
        try:
            workspace.delete()
            return
        except models.ProtectedError as exc:
            for model in {type(obj) for obj in exc.protected_objects}:
                model.objects.filter(workspace=workspace).delete()
    workspace.delete()


def audit_past_retention(now: dt.datetime) -> models.QuerySet:
    """Audit entries older than their workspace keeps them (its own setting)."""
    match = models.Q(pk__in=[])
    for pk, days in Workspace.objects.filter(audit_retention_days__isnull=False).values_list(
        "pk", "audit_retention_days"
    ):
        match |= models.Q(workspace_id=pk, created_at__lt=now - dt.timedelta(days=days))
    return AuditEntry.objects.filter(match)
