"""Workspace pages: start, create, invitations, teams, people and settings."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from waypoint.lib.widgets import DateInput
from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs.models import Objective
from waypoint.okrs.views import objective_rows_for

from . import services
from .forms import (
    DeleteWorkspaceForm,
    EraseForm,
    InviteForm,
    LeaveForm,
    RoleForm,
    SecurityForm,
    SsoForm,
    TeamForm,
    WorkspaceCreateForm,
    WorkspaceLogoForm,
    WorkspaceSettingsForm,
)
from .models import ApiToken, Invitation, Member, Role, Team
from .selectors import members_list, scoped_get, teams_list, workspaces_of_user
from .web import apply_errors, workspace_view


def start(request):
    """Where "/" leads: the login, the last workspace, or creating a first one."""
    if not request.user.is_authenticated:
        return redirect("account_login")
    mine = workspaces_of_user(request.user)
    last = request.session.get("workspace")
    ws = mine.filter(slug=last).first() or mine.first()
    if ws is None:
        return redirect("workspaces_create")
    return redirect("okrs:home", ws.slug)


@login_required
def workspace_create(request):
    form = WorkspaceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ws = services.workspace_create(
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"] or None,
                owner=request.user,
                actor=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Welcome to %(name)s. Start with a cycle.") % {"name": ws.name}
            )
            return redirect("okrs:cycles", ws.slug)
    first = not workspaces_of_user(request.user).exists()
    return render(request, "workspaces/create.html", {"form": form, "first": first})


def invitation_accept(request, token):
    invitation = get_object_or_404(Invitation.objects.select_related("workspace"), token=token)
    if not request.user.is_authenticated and invitation.is_pending:
        # Following the mailed link proves the address: a sign-up with it needs no second
        # verification mail, and sign-up by invitation knows whom to let in.
        from allauth.account.adapter import get_adapter

        get_adapter(request).stash_verified_email(request, invitation.email)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("You joined %(name)s.") % {"name": invitation.workspace.name}
            )
            return redirect("okrs:home", invitation.workspace.slug)
    return render(request, "workspaces/invitation.html", {"invitation": invitation})


# --- Teams and people -----------------------------------------------------------------------


PER_PAGE = 50


def _cycle_objectives(request):
    """The current cycle and its objectives the reader may see (a subquery, not a list)."""
    from waypoint.okrs import selectors as okr_selectors
    from waypoint.okrs.views import _cycle_or_current

    cycle = _cycle_or_current(request)
    if cycle is None:
        return None, Objective.objects.none()
    return cycle, okr_selectors.cycle_objectives(request.workspace, request.member, cycle)


def _search_page(request, qs, *fields):
    """``qs`` narrowed by the ``q`` search over ``fields``, a page of PER_PAGE."""
    from django.core.paginator import Paginator

    q = request.GET.get("q", "").strip()[:100]
    if q:
        match = Q()
        for f in fields:
            match |= Q(**{f"{f}__icontains": q})
        # A subquery, so that a match through a team does not repeat rows or skew counts.
        qs = qs.filter(pk__in=qs.model.objects.filter(match).values("pk"))
    return q, Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))


@workspace_view()
def teams(request):
    """Every team with its people, objectives and their mean progress in the current cycle:
    counted in SQL, a page at a time, searchable by name."""
    ws = request.workspace
    from waypoint.okrs.views import _cycle_or_current

    cycle = _cycle_or_current(request)
    q, page = _search_page(request, teams_list(ws).order_by("name", "pk"), "name")
    # Counted for the page's teams only, each in one grouped query.
    ids = [t.pk for t in page]
    people = dict(
        Team.members.through.objects.filter(team__in=ids)
        .values_list("team_id")
        .annotate(n=Count("member_id"))
    )
    page.object_list = okr_selectors.team_stats(ws, request.member, cycle, page.object_list)
    for t in page.object_list:
        t.people = people.get(t.pk, 0)
    return render(request, "workspaces/teams.html", {"page": page, "q": q, "cycle": cycle})


@workspace_view()
def team_detail(request, pk):
    team = scoped_get(teams_list(request.workspace), request.workspace, pk=pk)
    cycle, rows = objective_rows_for(request, teams=team)
    return render(
        request,
        "workspaces/team.html",
        {
            "team": team,
            "cycle": cycle,
            "rows": rows,
            "members": team.members.select_related("user"),
            "subteams": team.children.all(),
        },
    )


@workspace_view()
def search(request):
    """Everything of the workspace by a word: as a page, or as the live results under the
    search box (htmx)."""
    from waypoint.search.selectors import search as find

    found = find(request.workspace, request.member, request.GET.get("q", ""))
    template = "workspaces/_search_results.html" if request.htmx else "workspaces/search.html"
    return render(request, template, {"found": found, "q": request.GET.get("q", "")[:100]})


@workspace_view()
def people(request):
    """Everyone with their objectives in the current cycle and their mean progress: counted
    in SQL, a page at a time, searchable by name, e-mail or team."""
    ws = request.workspace
    cycle, seen = _cycle_objectives(request)
    # In the order of the index ``user_name_order`` (a person is a member once).
    qs = (
        members_list(ws)
        .prefetch_related("teams")
        .order_by("user__full_name", "user__email", "user_id")
    )
    q, page = _search_page(request, qs, "user__full_name", "user__email", "teams__name")
    # Counted for the page's people only, in one grouped query (not for the whole company
    # before the page is cut).
    page.object_list = list(page.object_list)
    stats = {
        row["owner_id"]: row
        for row in seen.filter(owner__in=[m.pk for m in page.object_list])
        .order_by()
        .values("owner_id")
        .annotate(n=Count("pk"), mean=Avg("progress"))
    }
    for m in page.object_list:
        m.objective_count = stats.get(m.pk, {}).get("n", 0)
        m.mean_progress = stats.get(m.pk, {}).get("mean")
    return render(request, "workspaces/people.html", {"page": page, "q": q, "cycle": cycle})


@workspace_view()
def person_detail(request, pk):
    person = scoped_get(members_list(request.workspace), request.workspace, pk=pk)
    cycle, rows = objective_rows_for(request, owner=person)
    return render(
        request,
        "workspaces/person.html",
        {
            "person": person,
            "cycle": cycle,
            "rows": rows,
            "teams": person.teams.all(),
        },
    )


# --- Settings ---------------------------------------------------------------------------------


def _settings_context(request, **forms):
    ws = request.workspace
    return {
        "settings_form": forms.get("settings_form")
        or WorkspaceSettingsForm(
            initial={
                "name": ws.name,
                "time_zone": ws.time_zone,
                "language": ws.language,
                "slack_webhook_url": ws.slack_webhook_url,
                "teams_webhook_url": ws.teams_webhook_url,
                "checkin_weekday": ws.reminder_weekday,
            }
        ),
        "invite_form": forms.get("invite_form") or InviteForm(),
        "logo_form": forms.get("logo_form") or WorkspaceLogoForm(),
        "members": [
            {"member": m, "form": RoleForm(initial={"role": m.role}, prefix=f"m{m.pk}")}
            for m in members_list(ws)
        ],
        "invitations": [i for i in ws.invitations.select_related("invited_by") if i.is_pending],
        "teams": teams_list(ws).prefetch_related("members"),
    }


@workspace_view(Role.ADMIN)
def workspace_settings(request):
    ws = request.workspace
    form = WorkspaceSettingsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.workspace_update(workspace=ws, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("workspaces:settings", ws.slug)
    return render(
        request,
        "workspaces/settings.html",
        _settings_context(request, settings_form=form if form.is_bound else None),
    )


@require_POST
@workspace_view(Role.ADMIN)
def workspace_logo(request):
    """Upload the logo shown on reports and share links, or remove it."""
    ws = request.workspace
    if request.POST.get("remove"):
        services.workspace_set_logo(workspace=ws, image=None, actor=request.user)
        messages.success(request, _("Logo removed."))
        return redirect("workspaces:settings", ws.slug)
    form = WorkspaceLogoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.workspace_set_logo(
                workspace=ws, image=form.cleaned_data["logo"].read(), actor=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Logo saved."))
            return redirect("workspaces:settings", ws.slug)
    return render(
        request, "workspaces/settings.html", _settings_context(request, logo_form=form), status=422
    )


@workspace_view()
def workspace_logo_image(request):
    """The logo as a PNG for the top bar; the URL carries its version, so it is cached long."""
    ws = request.workspace
    if not ws.has_logo:
        raise Http404("logo")
    response = HttpResponse(bytes(ws.logo), content_type="image/png")
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response


@require_POST
@workspace_view(Role.ADMIN)
def member_role(request, pk):
    member = scoped_get(Member, request.workspace, pk=pk)
    form = RoleForm(request.POST, prefix=f"m{member.pk}")
    if form.is_valid():
        role = form.cleaned_data["role"]
        if Role.OWNER in (role, member.role) and request.member.role != Role.OWNER:
            messages.error(request, _("Only an owner can make or unmake owners."))
        else:
            try:
                services.member_set_role(member=member, role=role, actor=request.user)
                messages.success(request, _("Role changed."))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
    return redirect("workspaces:settings", request.workspace.slug)


@require_POST
@workspace_view(Role.ADMIN)
def member_remove(request, pk):
    member = scoped_get(Member.objects.select_related("user"), request.workspace, pk=pk)
    form = LeaveForm(request.POST, member=member)
    if member.role == Role.OWNER and request.member.role != Role.OWNER:
        messages.error(request, _("Only an owner can remove an owner."))
    elif not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("workspaces:member", request.workspace.slug, member.pk)
    else:
        try:
            services.member_remove(
                member=member, actor=request.user, transfer_to=form.cleaned_data["transfer_to"]
            )
            messages.success(request, _("%(name)s was removed.") % {"name": member.user})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("workspaces:settings", request.workspace.slug)


@workspace_view(Role.ADMIN)
def member_manage(request, pk):
    """One member, for an admin: their second factor and sessions, signing them out
    everywhere, and removing them with what they own handed to someone else."""
    from allauth.usersessions.models import UserSession

    from .security import has_mfa

    member = scoped_get(Member.objects.select_related("user"), request.workspace, pk=pk)
    return render(
        request,
        "workspaces/member.html",
        {
            "m": member,
            "has_mfa": has_mfa(member.user),
            "sessions": UserSession.objects.filter(user=member.user).count(),
            "owned": services.owned_counts(member),
            "leave_form": LeaveForm(member=member),
            "erase_form": EraseForm(),
            "last_sign_in": member.user.last_login,
        },
    )


@require_POST
@workspace_view(Role.ADMIN)
def member_erase(request, pk):
    """Erase a person: their name replaced everywhere, their comments kept or removed."""
    from .privacy import person_erase

    member = scoped_get(Member.objects.select_related("user"), request.workspace, pk=pk)
    form = EraseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Confirm the erasure: it cannot be undone."))
        return redirect("workspaces:member", request.workspace.slug, member.pk)
    try:
        person_erase(
            member=member,
            actor=request.user,
            keep_comments=form.cleaned_data["comments"] == "keep",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("workspaces:member", request.workspace.slug, member.pk)
    messages.success(request, _("The person was erased."))
    return redirect("workspaces:settings", request.workspace.slug)


@workspace_view(Role.OWNER)
def workspace_delete(request):
    """An owner asks for the workspace's deletion (after the grace period), takes the
    request back, or downloads the final export meanwhile."""
    from . import privacy

    ws = request.workspace
    form = DeleteWorkspaceForm(request.POST or None)
    if request.method == "POST" and "cancel" in request.POST:
        privacy.deletion_cancel(workspace=ws, actor=request.user)
        messages.success(request, _("The workspace will not be deleted."))
        return redirect("workspaces:delete", ws.slug)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.deletion_request(
                workspace=ws, actor=request.user, confirm=form.cleaned_data["confirm"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return redirect("workspaces:delete", ws.slug)
    return render(
        request,
        "workspaces/delete.html",
        {
            "form": form,
            "due": privacy.deletion_due_at(ws),
            "grace": settings.DELETION_GRACE_DAYS,
        },
    )


@workspace_view(Role.OWNER)
def workspace_final_export(request):
    """The whole workspace as a backup archive (without password hashes): what an owner
    keeps of it before it is deleted."""
    import tempfile

    from django.http import FileResponse

    from . import audit
    from .backup import backup

    ws = request.workspace
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    backup(ws, out, passwords=False)
    out.seek(0)
    audit.record(workspace=ws, actor=request.user, action="workspace.export", obj=ws)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"{ws.slug}-final.waypoint.gz",
        content_type="application/gzip",
    )


@require_POST
@workspace_view(Role.ADMIN)
def member_sign_out(request, pk):
    from .security import sign_out_everywhere

    member = scoped_get(Member.objects.select_related("user"), request.workspace, pk=pk)
    if member.user_id == request.user.pk:
        raise Http404("member")
    if member.role == Role.OWNER and request.member.role != Role.OWNER:
        messages.error(request, _("Only an owner can sign an owner out."))
    else:
        n = sign_out_everywhere(user=member.user, actor=request.user, request=request)
        messages.success(
            request,
            _("%(name)s is signed out everywhere (%(n)s sessions).")
            % {"name": member.user, "n": n},
        )
    return redirect("workspaces:member", request.workspace.slug, member.pk)


def _sso_addresses(request, connection) -> dict:
    """What the identity provider is told about Waypoint for this connection."""
    if connection is None:
        return {}
    pid = connection.provider_id
    return {
        "redirect": request.build_absolute_uri(f"/accounts/oidc/{pid}/login/callback/"),
        "acs": request.build_absolute_uri(f"/accounts/saml/{pid}/acs/"),
        "metadata": request.build_absolute_uri(f"/accounts/saml/{pid}/metadata/"),
    }


@workspace_view(Role.ADMIN)
def workspace_security(request):
    """How people of the workspace sign in and arrive: the second factor it asks for and who
    has one; the SCIM tokens its directory provisions people and teams with."""
    from . import directory, sso
    from .models import DirectoryToken, SsoConnection
    from .selectors import second_factor_counts

    ws = request.workspace
    connection = SsoConnection.objects.filter(workspace=ws).first()
    sso_form = SsoForm(
        initial={
            "protocol": connection.protocol,
            "name": connection.name,
            "issuer": connection.issuer,
            "client_id": connection.client_id,
            "idp_entity_id": connection.idp_entity_id,
            "idp_sso_url": connection.idp_sso_url,
            "idp_certificate": connection.idp_certificate,
            "domains": connection.domains,
            "required": connection.required,
        }
        if connection
        else None
    )
    initial = {
        "require_mfa": ws.require_mfa,
        "provisioned_role": ws.provisioned_role,
        "audit_retention_days": ws.audit_retention_days,
    }
    form = SecurityForm(request.POST or None, initial=initial)
    raw = None
    if request.method == "POST" and "scim_token" in request.POST:
        form = SecurityForm(initial=initial)
        _token, raw = directory.token_create(workspace=ws, actor=request.user)
    elif request.method == "POST" and "revoke" in request.POST:
        token = scoped_get(DirectoryToken, ws, pk=request.POST.get("revoke"))
        directory.token_revoke(token=token, actor=request.user)
        messages.success(request, _("Token revoked."))
        return redirect("workspaces:security", ws.slug)
    elif request.method == "POST" and "sso" in request.POST:
        form = SecurityForm(initial=initial)
        sso_form = SsoForm(request.POST)
        if sso_form.is_valid():
            try:
                sso.connection_save(workspace=ws, actor=request.user, **sso_form.cleaned_data)
            except ValidationError as exc:
                apply_errors(sso_form, exc)
            else:
                messages.success(request, _("Single sign-on saved."))
                return redirect("workspaces:security", ws.slug)
    elif request.method == "POST" and "sso_delete" in request.POST:
        if connection is not None:
            sso.connection_delete(connection=connection, actor=request.user)
            messages.success(request, _("Single sign-on removed."))
        return redirect("workspaces:security", ws.slug)
    elif request.method == "POST" and form.is_valid():
        try:
            services.workspace_security_update(
                workspace=ws, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("workspaces:security", ws.slug)
    return render(
        request,
        "workspaces/security.html",
        {
            "form": form,
            "sso_form": sso_form,
            "connection": connection,
            "sso_callback": _sso_addresses(request, connection),
            "raw": raw,
            "scim_url": request.build_absolute_uri("/scim/v2"),
            "scim_tokens": DirectoryToken.objects.filter(workspace=ws, revoked_at__isnull=True),
            **second_factor_counts(ws),
        },
    )


@require_POST
@workspace_view(Role.ADMIN)
def invite(request):
    ws = request.workspace
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(
                workspace=ws,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                accept_url_for=lambda inv: request.build_absolute_uri(
                    reverse("invitation", args=[inv.token])
                ),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("workspaces:settings", ws.slug)
    return render(
        request,
        "workspaces/settings.html",
        _settings_context(request, invite_form=form),
        status=422,
    )


@require_POST
@workspace_view(Role.ADMIN)
def invitation_revoke(request, pk):
    invitation = scoped_get(Invitation, request.workspace, pk=pk)
    services.invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, _("Invitation withdrawn."))
    return redirect("workspaces:settings", request.workspace.slug)


@workspace_view(Role.ADMIN)
def team_edit(request, pk=None):
    ws = request.workspace
    team = scoped_get(Team, ws, pk=pk) if pk else None
    initial = {}
    if team:
        initial = {
            "name": team.name,
            "parent": team.parent,
            "lead": team.lead,
            "members": team.members.all(),
        }
    form = TeamForm(request.POST or None, workspace=ws, exclude_pk=pk, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if team is None:
                team = services.team_create(
                    workspace=ws,
                    name=data["name"],
                    parent=data["parent"],
                    lead=data["lead"],
                    actor=request.user,
                )
            else:
                services.team_update(
                    team=team,
                    name=data["name"],
                    parent=data["parent"],
                    lead=data["lead"],
                    actor=request.user,
                )
            services.team_set_members(team=team, members=list(data["members"]), actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Team saved."))
            return redirect("workspaces:settings", ws.slug)
    return render(request, "workspaces/team_form.html", {"form": form, "team": team})


@workspace_view(Role.ADMIN)
def team_delete(request, pk):
    team = scoped_get(Team, request.workspace, pk=pk)
    if request.method == "POST":
        services.team_delete(team=team, actor=request.user)
        messages.success(request, _("Team deleted."))
        return redirect("workspaces:settings", request.workspace.slug)
    return render(
        request,
        "okrs/confirm_delete.html",
        {
            "thing": team,
            "what": _("team"),
            "consequence": _("Its objectives stay; they just lose this team."),
            "cancel": reverse("workspaces:settings", args=[request.workspace.slug]),
        },
    )


# --- Personal access tokens -------------------------------------------------------------------


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What it is for, e.g. “CI lint” or “BI export”."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ
    )


@workspace_view()
def tokens(request):
    """A member's personal access tokens for the API; the raw value is shown once."""
    me = request.member
    form = TokenForm(request.POST or None)
    raw = None
    if request.method == "POST" and form.is_valid():
        scope = form.cleaned_data["scope"]
        if scope == ApiToken.Scope.WRITE and me.role == Role.VIEWER:
            form.add_error("scope", _("Viewers can only have read tokens."))
        else:
            _token, raw = services.token_create(
                member=me, name=form.cleaned_data["name"], scope=scope, actor=request.user
            )
            form = TokenForm()
    return render(
        request,
        "workspaces/tokens.html",
        {
            "form": form,
            "raw": raw,
            "tokens": ApiToken.objects.filter(member=me, revoked_at__isnull=True),
        },
    )


@require_POST
@workspace_view()
def token_revoke(request, pk):
    token = scoped_get(ApiToken.objects.filter(member=request.member), request.workspace, pk=pk)
    services.token_revoke(token=token, actor=request.user)
    messages.success(request, _("Token revoked."))
    return redirect("workspaces:tokens", request.workspace.slug)


# --- The audit trail, for admins --------------------------------------------------------------


class AuditFilterForm(forms.Form):
    actor = forms.ModelChoiceField(
        label=gettext_lazy("Person"),
        queryset=None,
        required=False,
        empty_label=gettext_lazy("Anyone"),
    )
    object_type = forms.ChoiceField(label=gettext_lazy("Kind of record"), required=False)
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateInput())
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateInput())

    def __init__(self, *args, workspace, **kwargs):
        from .models import AuditEntry, User

        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = User.objects.filter(
            memberships__workspace=workspace
        ).order_by("email")
        self.fields["actor"].label_from_instance = lambda u: u.full_name or u.email
        kinds = (
            AuditEntry.objects.filter(workspace=workspace)
            .order_by("object_type")
            .values_list("object_type", flat=True)
            .distinct()[:100]
        )
        self.fields["object_type"].choices = [
            ("", _("Any")),
            ("security", _("Sign-ins and security")),
            *((k, k) for k in kinds),
        ]


def _audit_filters(request):
    form = AuditFilterForm(request.GET or None, workspace=request.workspace)
    data = form.cleaned_data if form.is_valid() else {}
    return form, {
        "actor": data.get("actor"),
        "object_type": data.get("object_type") or "",
        "since": data.get("since"),
        "until": data.get("until"),
    }


@workspace_view(Role.ADMIN)
def audit(request):
    """Who changed what and when, with each field's before and after; filtered by person,
    kind of record and dates; 50 at a time, older ones on demand."""
    from .selectors import AUDIT_PAGE, audit_changes, audit_entries

    form, filters = _audit_filters(request)
    before = request.GET.get("before", "")
    found = list(
        audit_entries(
            request.workspace, **filters, before=int(before) if before.isdigit() else None
        )[: AUDIT_PAGE + 1]
    )
    more = len(found) > AUDIT_PAGE
    entries = [(e, audit_changes(e)) for e in found[:AUDIT_PAGE]]
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "workspaces/audit.html",
        {
            "form": form,
            "entries": entries,
            "older": f"{query.urlencode()}&before={found[AUDIT_PAGE - 1].pk}" if more else "",
            "query": query.urlencode(),
        },
    )


@workspace_view(Role.ADMIN)
def audit_csv(request):
    """The filtered trail as CSV, a row per changed field, safe against formulas."""
    import csv
    import json

    from waypoint.okrs.exports import neutralise

    from .selectors import AUDIT_EXPORT_MAX, audit_changes, audit_entries

    _form, filters = _audit_filters(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{request.workspace.slug}-audit.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        ["when", "who", "action", "record type", "record id", "record", "field", "before", "after"]
    )

    def text(value):
        return "" if value is None else value if isinstance(value, str) else json.dumps(value)

    for entry in audit_entries(request.workspace, **filters)[:AUDIT_EXPORT_MAX].iterator():
        who = entry.actor.email if entry.actor else ""
        head = [
            entry.created_at.isoformat(),
            who,
            entry.action,
            entry.object_type,
            entry.object_id or "",
            entry.object_repr,
        ]
        for name, old, new in audit_changes(entry) or [("", None, None)]:
            writer.writerow([neutralise(v) for v in [*head, name, text(old), text(new)]])
    return response
