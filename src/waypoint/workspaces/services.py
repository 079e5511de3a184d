"""Writes to workspaces, members and teams. Each leaves an audit row in its transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from waypoint import outbound

from . import audit
from .models import Invitation, Member, Role, Team, User, Workspace


def same_workspace(workspace: Workspace, field: str, *objs) -> None:
    """Refuse records of another workspace, naming the field that holds them."""
    for obj in objs:
        if obj is not None and obj.workspace_id != workspace.pk:
            raise ValidationError({field: _("This belongs to another workspace.")})


EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2200, 12, 31)


def check_dates(**dates: dt.date | None) -> None:
    """Refuse dates of record outside 1900-2200, naming the field: a check-in dated 9999
    would stay the current value forever, and a report ending there could not be drawn."""
    for field_name, value in dates.items():
        if value is not None and not EARLIEST <= value <= LATEST:
            raise ValidationError(
                {field_name: _("Use a date between %(a)s and %(b)s.") % {"a": 1900, "b": 2200}}
            )


@transaction.atomic
def workspace_create(
    *, name: str, slug: str | None = None, owner: User | None = None, actor: User | None
) -> Workspace:
    slug = slugify(slug or name)[:60]
    if not slug:
        raise ValidationError({"slug": _("A workspace needs a name made of letters or digits.")})
    if Workspace.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("A workspace with this address already exists.")})
    ws = Workspace(name=name.strip() or slug, slug=slug)
    ws.full_clean()
    ws.save()
    audit.record(
        workspace=ws, actor=actor, action="workspace.create", obj=ws, after=audit.snapshot(ws)
    )
    if owner is not None:
        member_add(workspace=ws, user=owner, role=Role.OWNER, actor=actor)
    return ws


@transaction.atomic
def workspace_update(*, workspace: Workspace, actor: User | None, **fields) -> Workspace:
    allowed = {
        "name",
        "time_zone",
        "language",
        "slack_webhook_url",
        "teams_webhook_url",
        "brand_colour",
        "checkin_weekday",
        "setup_hidden",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    for field in ("slack_webhook_url", "teams_webhook_url"):
        if fields.get(field):
            try:
                outbound.check_url(fields[field])
            except outbound.OutboundRefused as exc:
                raise ValidationError({field: str(exc)}) from exc
    return audit.save_changes(
        workspace, actor=actor, action="workspace.update", workspace=workspace, fields=fields
    )


@transaction.atomic
def workspace_security_update(
    *,
    workspace: Workspace,
    require_mfa: str,
    provisioned_role: str,
    actor: User,
    audit_retention_days: int | None = None,
) -> Workspace:
    """Ask owners and admins, or everyone, for a second factor, and choose the role of people
    the directory or single sign-on brings. Whoever asks for a second factor must have one:
    otherwise they would lock themselves out of the page they are on."""
    from .security import has_mfa

    if require_mfa not in {"", "admins", "everyone"}:
        raise ValidationError({"require_mfa": _("Choose one of the options.")})
    if provisioned_role not in {Role.MEMBER, Role.VIEWER, Role.EDITOR}:
        raise ValidationError({"provisioned_role": _("Choose one of the options.")})
    if audit_retention_days is not None and not 30 <= audit_retention_days <= 3650:
        raise ValidationError(
            {"audit_retention_days": _("Keep the trail between 30 and 3,650 days.")}
        )
    if require_mfa and not has_mfa(actor):
        raise ValidationError(
            {"require_mfa": _("Set up your own second factor first, then require it.")}
        )
    return audit.save_changes(
        workspace,
        actor=actor,
        action="workspace.security",
        workspace=workspace,
        fields={
            "require_mfa": require_mfa,
            "provisioned_role": provisioned_role,
            "audit_retention_days": audit_retention_days,
        },
    )


@transaction.atomic
def workspace_set_logo(
    *, workspace: Workspace, image: bytes | None, actor: User | None
) -> Workspace:
    """Set the logo from an uploaded PNG, JPEG or WebP (stored re-encoded), or remove it."""
    from waypoint.lib import images

    png = None
    if image is not None:
        try:
            png = images.logo_png(image)
        except images.ImageRejected as exc:
            messages = {
                images.ImageRejected.TOO_LARGE: _("The logo is larger than 1 MB."),
                images.ImageRejected.TOO_MANY_PIXELS: _(
                    "The logo has too many pixels: scale it down first."
                ),
            }
            message = messages.get(
                exc.reason, _("This file is not a PNG, JPEG or WebP image (SVG is not accepted).")
            )
            raise ValidationError({"logo": message}) from exc
    return audit.save_changes(
        workspace, actor=actor, action="workspace.logo", workspace=workspace, fields={"logo": png}
    )


@transaction.atomic
def user_get_or_create(*, email: str, full_name: str = "", actor: User | None) -> User:
    """The user with this e-mail, created without a password (invited later) if new."""
    email = User.objects.normalize_email(email).strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, full_name=full_name)
        audit.record(
            workspace=None,
            actor=actor,
            action="user.create",
            obj=user,
            after={"email": user.email, "full_name": user.full_name},
        )
    return user


@transaction.atomic
def member_add(
    *, workspace: Workspace, user: User, role: str = Role.MEMBER, actor: User | None
) -> Member:
    member = Member.objects.filter(workspace=workspace, user=user).first()
    if member is not None:
        return member
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    member = Member.objects.create(workspace=workspace, user=user, role=role)
    audit.record(
        workspace=workspace,
        actor=actor,
        action="member.add",
        obj=member,
        after=audit.snapshot(member),
    )
    return member


@transaction.atomic
def member_ensure(
    *,
    workspace: Workspace,
    email: str,
    full_name: str = "",
    role: str = Role.MEMBER,
    actor: User | None,
) -> Member:
    """The member with this e-mail, adding the person (and their user) when absent."""
    user = user_get_or_create(email=email, full_name=full_name, actor=actor)
    return member_add(workspace=workspace, user=user, role=role, actor=actor)


@transaction.atomic
def member_set_role(*, member: Member, role: str, actor: User | None) -> Member:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if member.role == Role.OWNER and role != Role.OWNER:
        owners = Member.objects.filter(workspace=member.workspace, role=Role.OWNER).count()
        if owners <= 1:
            raise ValidationError({"role": _("A workspace must keep at least one owner.")})
    return audit.save_changes(
        member,
        actor=actor,
        action="member.set_role",
        workspace=member.workspace,
        fields={"role": role},
    )


def _check_team_parent(team: Team, parent: Team | None) -> None:
    node = parent
    while node is not None:
        if node.workspace_id != team.workspace_id:
            raise ValidationError({"parent": _("The parent team belongs to another workspace.")})
        if team.pk is not None and node.pk == team.pk:
            raise ValidationError({"parent": _("A team cannot sit under itself.")})
        node = node.parent


@transaction.atomic
def team_create(
    *,
    workspace: Workspace,
    name: str,
    parent: Team | None = None,
    lead: Member | None = None,
    actor: User | None,
) -> Team:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A team needs a name.")})
    if Team.objects.filter(workspace=workspace, name__iexact=name).exists():
        raise ValidationError({"name": _("A team with this name already exists.")})
    team = Team(workspace=workspace, name=name, lead=lead)
    _check_team_parent(team, parent)
    team.parent = parent
    team.save()
    audit.record(
        workspace=workspace, actor=actor, action="team.create", obj=team, after=audit.snapshot(team)
    )
    return team


@transaction.atomic
def team_ensure(*, workspace: Workspace, name: str, actor: User | None) -> Team:
    team = Team.objects.filter(workspace=workspace, name__iexact=name.strip()).first()
    return team or team_create(workspace=workspace, name=name, actor=actor)


@transaction.atomic
def team_update(*, team: Team, actor: User | None, **fields) -> Team:
    allowed = {"name", "parent", "lead"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    if "parent" in fields:
        _check_team_parent(team, fields["parent"])
    if fields.get("lead") is not None and fields["lead"].workspace_id != team.workspace_id:
        raise ValidationError({"lead": _("The team lead must be a member of this workspace.")})
    return audit.save_changes(
        team, actor=actor, action="team.update", workspace=team.workspace, fields=fields
    )


@transaction.atomic
def team_set_members(*, team: Team, members: list[Member], actor: User | None) -> Team:
    if any(m.workspace_id != team.workspace_id for m in members):
        raise ValidationError({"members": _("Every member must belong to this workspace.")})
    return audit.save_changes(
        team,
        actor=actor,
        action="team.set_members",
        workspace=team.workspace,
        fields={},
        m2m={"members": members},
    )


INVITATION_DAYS = 14


@transaction.atomic
def invitation_create(
    *,
    workspace: Workspace,
    email: str,
    role: str = Role.MEMBER,
    actor: User | None,
    accept_url_for=None,
) -> Invitation:
    """Invite a person by e-mail; the mail carries a single-use link valid for 14 days.

    ``accept_url_for`` turns the invitation into the absolute URL put in the mail.
    """
    import secrets

    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils import timezone

    email = User.objects.normalize_email(email).strip().lower()
    if role not in Role.values or role == Role.OWNER:
        raise ValidationError({"role": _("Choose a role other than owner.")})
    if Member.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    pending = Invitation.objects.filter(
        workspace=workspace,
        email__iexact=email,
        accepted_at=None,
        revoked_at=None,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        raise ValidationError({"email": _("This person has already been invited.")})
    invitation = Invitation.objects.create(
        workspace=workspace,
        email=email,
        role=role,
        token=secrets.token_urlsafe(32),
        invited_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    audit.record(
        workspace=workspace,
        actor=actor,
        action="invitation.create",
        obj=invitation,
        after={"email": email, "role": role},
    )
    if accept_url_for is not None:
        context = {
            "workspace": workspace,
            "invitation": invitation,
            "inviter": actor,
            "url": accept_url_for(invitation),
        }
        body = render_to_string("workspaces/email/invitation.txt", context)
        subject = _("You are invited to %(workspace)s on Waypoint") % {"workspace": workspace.name}
        transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return invitation


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User | None) -> Invitation:
    from django.utils import timezone

    return audit.save_changes(
        invitation,
        actor=actor,
        action="invitation.revoke",
        workspace=invitation.workspace,
        fields={"revoked_at": timezone.now()},
    )


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Member:
    """Join the workspace. Following the mailed link proves the e-mail address."""
    from allauth.account.models import EmailAddress
    from django.utils import timezone

    if not invitation.is_pending:
        raise ValidationError(_("This invitation has expired or was withdrawn."))
    if user.email.strip().lower() != invitation.email.strip().lower():
        # A forwarded or leaked link is not a way in for another account.
        raise ValidationError(
            _("This invitation is for %(email)s: log in with that address to accept it.")
            % {"email": invitation.email}
        )
    member = Member.objects.filter(workspace=invitation.workspace, user=user).first()
    if member is None:
        member = member_add(
            workspace=invitation.workspace, user=user, role=invitation.role, actor=user
        )
    audit.save_changes(
        invitation,
        actor=user,
        action="invitation.accept",
        workspace=invitation.workspace,
        fields={"accepted_at": timezone.now()},
    )
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return member


def owned_by(member: Member) -> dict:
    """What a member owns, by model (objectives, key results, initiatives, KPIs, ...): every
    record with an ``owner`` pointing at members."""
    found = {}
    for rel in Member._meta.related_objects:
        if rel.field.name == "owner":
            found[rel.related_model] = rel.related_model._default_manager.filter(owner=member)
    return found


def owned_counts(member: Member) -> list[tuple[str, int]]:
    """(plural name, how many) of what the member owns, for the page that removes them."""
    return [
        (str(model._meta.verbose_name_plural), n)
        for model, records in owned_by(member).items()
        if (n := records.count())
    ]


@transaction.atomic
def member_transfer(*, member: Member, to: Member, actor: User | None) -> int:
    """Give everything ``member`` owns to ``to`` (someone who leaves hands over their
    objectives, key results, initiatives and KPIs); one audit entry per record."""
    if to.workspace_id != member.workspace_id:
        raise ValidationError({"to": _("Choose someone in this workspace.")})
    if to.pk == member.pk:
        raise ValidationError({"to": _("Choose someone else.")})
    if to.role in (Role.VIEWER, Role.CLIENT):
        raise ValidationError({"to": _("Viewers and clients cannot own anything.")})
    moved = 0
    for model, records in owned_by(member).items():
        changes = [
            (obj, {"owner_id": member.pk}, {"owner_id": to.pk}) for obj in records.only("pk")
        ]
        if not changes:
            continue
        model._default_manager.filter(pk__in=[obj.pk for obj, _b, _a in changes]).update(owner=to)
        label = model._meta.model_name
        audit.record_many(
            workspace=member.workspace, actor=actor, action=f"{label}.transfer", changes=changes
        )
        moved += len(changes)
    return moved


@transaction.atomic
def member_remove(*, member: Member, actor: User | None, transfer_to: Member | None = None):
    if transfer_to is not None:
        member_transfer(member=member, to=transfer_to, actor=actor)
    if member.role == Role.OWNER:
        owners = Member.objects.filter(workspace=member.workspace, role=Role.OWNER).count()
        if owners <= 1:
            raise ValidationError({"role": _("A workspace must keep at least one owner.")})
    audit.record(
        workspace=member.workspace,
        actor=actor,
        action="member.remove",
        obj=member,
        before=audit.snapshot(member),
    )
    member.delete()


@transaction.atomic
def team_delete(*, team: Team, actor: User | None) -> None:
    audit.record(
        workspace=team.workspace,
        actor=actor,
        action="team.delete",
        obj=team,
        before=audit.snapshot(team),
    )
    team.delete()


def token_digest(raw: str) -> str:
    import hashlib

    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(*, member: Member, name: str, scope: str, actor: User | None):
    """A new token; returns (token, raw value). Only the hash is kept."""
    import secrets

    from .models import ApiToken

    if not name.strip():
        raise ValidationError({"name": _("Give the token a name.")})
    if scope not in ApiToken.Scope.values:
        raise ValidationError({"scope": _("Unknown value.")})
    raw = "wp_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        workspace=member.workspace,
        member=member,
        name=name.strip(),
        prefix=raw[:10],
        digest=token_digest(raw),
        scope=scope,
    )
    audit.record(
        workspace=member.workspace,
        actor=actor,
        action="token.create",
        obj=token,
        after={"name": token.name, "scope": scope, "prefix": token.prefix},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token, actor: User | None):
    from django.utils import timezone

    return audit.save_changes(
        token,
        actor=actor,
        action="token.revoke",
        workspace=token.workspace,
        fields={"revoked_at": timezone.now()},
    )
