"""Provisioning from a company's directory: people join, change, leave and come back, and
teams mirror the directory's groups. The SCIM endpoint (``scim.py``) speaks the protocol;
these services do the writes, each with its audit row (``scim.*``), in one transaction."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit, security
from .models import DirectoryToken, Member, Role, Team, User, Workspace
from .services import token_digest, user_get_or_create

# --- Tokens -----------------------------------------------------------------------------------


@transaction.atomic
def token_create(*, workspace: Workspace, actor: User | None) -> tuple[DirectoryToken, str]:
    """A new SCIM token for the workspace; returns it and its raw value, shown once."""
    raw = "wps_" + secrets.token_urlsafe(32)
    token = DirectoryToken.objects.create(
        workspace=workspace, prefix=raw[:10], digest=token_digest(raw), created_by=actor
    )
    audit.record(
        workspace=workspace,
        actor=actor,
        action="scim.token_create",
        obj=token,
        after={"prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: DirectoryToken, actor: User | None) -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            workspace=token.workspace,
            actor=actor,
            action="scim.token_revoke",
            obj=token,
            before={"prefix": token.prefix},
        )


def token_workspace(raw: str) -> Workspace | None:
    """The workspace a presented SCIM token provisions, or None."""
    found = (
        DirectoryToken.objects.select_related("workspace")
        .filter(digest=token_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
        DirectoryToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.workspace


# --- People -----------------------------------------------------------------------------------


def _check_email(email: str) -> str:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise ValidationError({"userName": _("The user name must be an e-mail address.")})
    return email


@transaction.atomic
def person_provision(
    *,
    workspace: Workspace,
    email: str,
    full_name: str = "",
    external_id: str = "",
    active: bool = True,
) -> Member:
    """A person the directory sends: their user (made if new) and their membership, with the
    workspace's role for provisioned people. Someone already a member is 409 to SCIM."""
    email = _check_email(email)
    user = user_get_or_create(email=email, full_name=full_name.strip()[:150], actor=None)
    if Member.objects.filter(workspace=workspace, user=user).exists():
        raise ValidationError({"userName": _("This person is already a member.")})
    if full_name and not user.full_name:
        user.full_name = full_name.strip()[:150]
        user.save(update_fields=["full_name"])
    member = Member.objects.create(
        workspace=workspace,
        user=user,
        role=workspace.provisioned_role or Role.MEMBER,
        external_id=external_id[:200],
    )
    audit.record(
        workspace=workspace,
        actor=None,
        action="scim.user_create",
        obj=member,
        after={**audit.snapshot(member), "email": email},
    )
    if not active:
        person_set_active(member=member, active=False)
    return member


@transaction.atomic
def person_update(
    *,
    member: Member,
    email: str | None = None,
    full_name: str | None = None,
    external_id: str | None = None,
    active: bool | None = None,
) -> Member:
    """What the directory changed: the address, the name, its id, active or not."""
    user = member.user
    before = {"email": user.email, "full_name": user.full_name, "external_id": member.external_id}
    if email is not None:
        email = _check_email(email)
        if email != user.email:
            if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
                raise ValidationError({"userName": _("Another account has this address.")})
            user.email = email
            from allauth.account.models import EmailAddress

            EmailAddress.objects.filter(user=user).delete()
    if full_name is not None:
        user.full_name = full_name.strip()[:150]
    if external_id is not None:
        member.external_id = external_id[:200]
    after = {"email": user.email, "full_name": user.full_name, "external_id": member.external_id}
    if before != after:
        user.save(update_fields=["email", "full_name"])
        member.save(update_fields=["external_id"])
        audit.record(
            workspace=member.workspace,
            actor=None,
            action="scim.user_update",
            obj=member,
            before=before,
            after=after,
        )
    if active is not None:
        person_set_active(member=member, active=active)
    return member


@transaction.atomic
def person_set_active(*, member: Member, active: bool) -> Member:
    """Deactivated, the person keeps their history and loses access to the workspace; with no
    other workspace left, they cannot sign in at all and every session of theirs ends.
    Activated again, both come back."""
    if active == (member.deactivated_at is None):
        return member
    user = member.user
    member.deactivated_at = None if active else timezone.now()
    member.save(update_fields=["deactivated_at"])
    audit.record(
        workspace=member.workspace,
        actor=None,
        action="scim.user_activate" if active else "scim.user_deactivate",
        obj=member,
        before={"active": not active},
        after={"active": active},
    )
    elsewhere = Member.objects.filter(user=user, deactivated_at__isnull=True).exists()
    if not active and not elsewhere and user.is_active:
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        security.sign_out_everywhere(user=user, actor=None)
    elif active and not user.is_active:
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
    return member


@transaction.atomic
def person_remove(*, member: Member) -> None:
    """A DELETE from the directory: deactivated, never erased (the history stays theirs)."""
    person_set_active(member=member, active=False)


# --- Teams ------------------------------------------------------------------------------------


def _members_by_id(workspace: Workspace, ids: list[str]) -> list[Member]:
    wanted = {int(i) for i in ids if str(i).isdigit()}
    found = list(Member.objects.filter(workspace=workspace, pk__in=wanted))
    if len(found) != len(wanted):
        raise ValidationError({"members": _("A member of the group is not in this workspace.")})
    return found


@transaction.atomic
def team_provision(
    *, workspace: Workspace, name: str, external_id: str = "", member_ids: list[str] = ()
) -> Team:
    name = (name or "").strip()[:120]
    if not name:
        raise ValidationError({"displayName": _("A group needs a name.")})
    if Team.objects.filter(workspace=workspace, name=name).exists():
        raise ValidationError({"displayName": _("A team with this name exists.")})
    team = Team.objects.create(workspace=workspace, name=name, external_id=external_id[:200])
    team.members.set(_members_by_id(workspace, list(member_ids)))
    audit.record(
        workspace=workspace,
        actor=None,
        action="scim.group_create",
        obj=team,
        after=audit.snapshot(team),
    )
    return team


@transaction.atomic
def team_update(
    *,
    team: Team,
    name: str | None = None,
    external_id: str | None = None,
    add: list[str] = (),
    remove: list[str] = (),
    replace: list[str] | None = None,
) -> Team:
    """The directory renamed the group or changed who is in it."""
    fields = {}
    if name is not None:
        name = name.strip()[:120]
        if not name:
            raise ValidationError({"displayName": _("A group needs a name.")})
        clash = Team.objects.filter(workspace=team.workspace, name=name).exclude(pk=team.pk)
        if clash.exists():
            raise ValidationError({"displayName": _("A team with this name exists.")})
        fields["name"] = name
    if external_id is not None:
        fields["external_id"] = external_id[:200]
    current = set(team.members.values_list("pk", flat=True))
    if replace is not None:
        current = {m.pk for m in _members_by_id(team.workspace, list(replace))}
    current |= {m.pk for m in _members_by_id(team.workspace, list(add))}
    current -= {int(i) for i in remove if str(i).isdigit()}
    return audit.save_changes(
        team,
        actor=None,
        action="scim.group_update",
        workspace=team.workspace,
        fields=fields,
        m2m={"members": sorted(current)},
    )


@transaction.atomic
def team_remove(*, team: Team) -> None:
    audit.record(
        workspace=team.workspace,
        actor=None,
        action="scim.group_delete",
        obj=team,
        before=audit.snapshot(team),
    )
    team.delete()
