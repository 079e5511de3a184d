from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from waypoint.lib.counting import count_up_to

from .models import Member, Role, Team, Workspace

TIME_ZONES = sorted(zoneinfo.available_timezones() - {"Factory", "localtime"})


class WorkspaceCreateForm(forms.Form):
    name = forms.CharField(label=_("Company or client name"), max_length=120)
    slug = forms.SlugField(
        label=_("Address"),
        max_length=60,
        required=False,
        help_text=_("Used in links; letters, digits and dashes. Left empty, made from the name."),
    )


class WorkspaceSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[(z, z) for z in TIME_ZONES])
    language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    checkin_weekday = forms.TypedChoiceField(
        label=_("Check-in day"),
        choices=list(WEEKDAYS.items()),
        coerce=int,
        empty_value=None,
        required=False,
        initial=0,
        help_text=_(
            "Reminders go out on this day at 9 in the workspace's time zone, with the team "
            "leads' digests."
        ),
    )
    brand_colour = forms.RegexField(
        label=_("Brand colour"),
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#1d4ed8",
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=_("Used on reports."),
    )
    slack_webhook_url = forms.URLField(
        label=_("Slack incoming-webhook URL"),
        required=False,
        assume_scheme="https",
        help_text=_("Reminders, team-lead digests and KPI alerts are also posted there."),
    )
    teams_webhook_url = forms.URLField(
        label=_("Microsoft Teams workflow address"),
        required=False,
        assume_scheme="https",
        max_length=1000,
        help_text=_(
            "A Teams workflow that posts webhook requests to a channel: reminders, digests and "
            "KPI alerts arrive there as cards."
        ),
    )


class WorkspaceLogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Image file"),
        error_messages={
            "required": _("Choose an image to upload."),
            "empty": _("The file is empty."),
        },
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        help_text=_(
            "PNG, JPEG or WebP, up to 1 MB. Shown on reports and share links, "
            "scaled to at most 400 × 160 pixels."
        ),
    )

    def clean_logo(self):
        from waypoint.lib.images import MAX_BYTES

        upload = self.cleaned_data["logo"]
        # Checked before reading the file: a huge upload is never loaded into memory.
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The logo is larger than 1 MB."))
        return upload


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[c for c in Role.choices if c[0] != Role.OWNER],
        initial=Role.MEMBER,
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class _MemberOptions(forms.models.ModelChoiceIterator):
    """A member picker's options from three columns a person: building a member and a user
    for each of up to 200 people cost 1.6 ms a picker at 100 people, and a KPI page's
    deviation form has two."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, name, email in self.queryset.values_list("pk", "user__full_name", "user__email"):
            yield (pk, name or email)


class MemberChoiceField(forms.ModelChoiceField):
    """One member: picked from a list, or, in a workspace too big for a list to stay small
    (more than ``LIST_LIMIT`` people), typed as their e-mail address."""

    LIST_LIMIT = 200
    iterator = _MemberOptions  # each labelled with the person's name, else their address

    def _set_queryset(self, queryset):
        if queryset is not None:
            # A client owns nothing and is given nothing to do: never offered.
            queryset = queryset.exclude(role=Role.CLIENT).filter(deactivated_at__isnull=True)
        super()._set_queryset(queryset)
        # Counted without the list's order: a sort of every member to count 201 of them
        # cost as much as the workspace is large.
        self.by_email = (
            queryset is not None and count_up_to(queryset, self.LIST_LIMIT) > self.LIST_LIMIT
        )
        if self.by_email:
            self.widget = forms.EmailInput(
                attrs={"placeholder": _("their e-mail address"), "autocomplete": "off"}
            )

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def prepare_value(self, value):
        if getattr(self, "by_email", False) and value not in self.empty_values:
            if isinstance(value, Member):
                return value.user.email
            found = self.queryset.filter(pk=value).values_list("user__email", flat=True).first()
            return found or value
        return super().prepare_value(value)

    def to_python(self, value):
        if getattr(self, "by_email", False) and value not in self.empty_values:
            found = self.queryset.filter(user__email__iexact=str(value).strip()).first()
            if found is None:
                raise ValidationError(
                    _("No one in this workspace has the address %(email)s.") % {"email": value},
                    code="invalid_choice",
                )
            return found
        return super().to_python(value)


class MembersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.user.full_name or obj.user.email


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Team name"), max_length=120)
    parent = forms.ModelChoiceField(
        label=_("Part of"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    lead = MemberChoiceField(label=_("Team lead"), queryset=Member.objects.none(), required=False)
    members = MembersChoiceField(
        label=_("Members"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, workspace, exclude_pk=None, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(workspace=workspace)
        self.fields["parent"].queryset = teams.exclude(pk=exclude_pk) if exclude_pk else teams
        members = Member.objects.filter(workspace=workspace).select_related("user")
        self.fields["lead"].queryset = members
        self.fields["members"].queryset = members


class NamedChoicesField(forms.ModelMultipleChoiceField):
    """Several teams or KPIs (anything with a ``name``): ticked in a list, or, when there
    are more than ``LIST_LIMIT`` of them (a list that long would weigh more than the page
    around it), typed by name, one per line."""

    LIST_LIMIT = 200

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self.by_name = (
            queryset is not None and count_up_to(queryset, self.LIST_LIMIT) > self.LIST_LIMIT
        )
        if self.by_name:
            self.widget = forms.Textarea(
                attrs={"rows": 3, "placeholder": _("one name per line"), "autocomplete": "off"}
            )

    queryset = property(forms.ModelMultipleChoiceField._get_queryset, _set_queryset)

    def prepare_value(self, value):
        if not getattr(self, "by_name", False):
            return super().prepare_value(value)
        if isinstance(value, str):
            return value
        values = list(value or [])
        pks = [v.pk if hasattr(v, "pk") else v for v in values]
        names = dict(self.queryset.filter(pk__in=pks).values_list("pk", "name"))
        return "\n".join(names[pk] for pk in pks if pk in names)

    def to_python(self, value):
        if not getattr(self, "by_name", False):
            return super().to_python(value)
        if isinstance(value, (list, tuple)):
            value = "\n".join(value)
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]

    def clean(self, value):
        if not getattr(self, "by_name", False):
            return super().clean(value)
        names = self.to_python(value)
        if not names:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return self.queryset.none()
        if len(names) > self.LIST_LIMIT:
            raise ValidationError(
                _("At most %(n)s names.") % {"n": self.LIST_LIMIT}, code="invalid_choice"
            )
        # Exact names in one query; the others once more without regard to case.
        found = {obj.name: obj for obj in self.queryset.filter(name__in=names)}
        missing = []
        for name in names:
            if name not in found:
                obj = self.queryset.filter(name__iexact=name).first()
                if obj is None:
                    missing.append(name)
                else:
                    found[name] = obj
        if missing:
            raise ValidationError(
                _("Nothing here is called %(names)s.") % {"names": ", ".join(missing[:5])},
                code="invalid_choice",
            )
        return self.queryset.filter(pk__in=[o.pk for o in found.values()])


class SecurityForm(forms.Form):
    require_mfa = forms.ChoiceField(
        label=_("Second factor"),
        choices=Workspace._meta.get_field("require_mfa").choices,
        required=False,
        help_text=_(
            "People asked for one set it up before they see anything of the workspace: an "
            "authenticator app, a security key or a passkey."
        ),
    )
    provisioned_role = forms.ChoiceField(
        label=_("Role of people from the directory"),
        choices=Workspace._meta.get_field("provisioned_role").choices,
        help_text=_("People your identity provider adds (SCIM) join with this role."),
    )
    audit_retention_days = forms.IntegerField(
        label=_("Keep the audit trail for (days)"),
        required=False,
        min_value=30,
        max_value=3650,
        help_text=_("Empty: as long as this server keeps every trail."),
    )


class LeaveForm(forms.Form):
    """Removing a member: who takes over what they own (nobody: it is left without owner)."""

    transfer_to = MemberChoiceField(
        label=_("Hand over what they own to"),
        queryset=None,
        required=False,
        empty_label=_("Nobody (leave it without an owner)"),
    )

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transfer_to"].queryset = (
            Member.objects.filter(workspace=member.workspace)
            .exclude(pk=member.pk)
            .exclude(role=Role.VIEWER)
            .select_related("user")
        )


class SsoForm(forms.Form):
    protocol = forms.ChoiceField(
        label=_("Protocol"),
        choices=[("oidc", "OpenID Connect"), ("saml", "SAML 2.0")],
        initial="oidc",
    )
    name = forms.CharField(
        label=_("Name on the button"),
        max_length=60,
        initial="Okta",
        help_text=_("Okta, Microsoft Entra ID, Google Workspace, Keycloak, …"),
    )
    issuer = forms.URLField(
        label=_("Issuer"),
        max_length=500,
        assume_scheme="https",
        required=False,
        help_text=_("The provider's address, where /.well-known/openid-configuration is."),
    )
    client_id = forms.CharField(label=_("Client ID"), max_length=300, required=False)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again; leave empty to keep it."),
    )
    idp_entity_id = forms.CharField(
        label=_("Identity provider's entity ID"),
        max_length=500,
        required=False,
        help_text=_("From the identity provider's metadata (its entityID)."),
    )
    idp_sso_url = forms.URLField(
        label=_("Identity provider's sign-in address"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Its SingleSignOnService address (HTTP-Redirect binding)."),
    )
    idp_certificate = forms.CharField(
        label=_("Identity provider's signing certificate"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The X.509 certificate it signs with (PEM). Unsigned answers are refused."),
    )
    domains = forms.CharField(
        label=_("E-mail domains"),
        max_length=500,
        help_text=_(
            "The provider signs in addresses at these domains only (comma-separated). Your "
            "own verified address must be at each."
        ),
    )
    required = forms.BooleanField(
        label=_("Required: people at these domains cannot sign in with a password"),
        required=False,
    )


class EraseForm(forms.Form):
    comments = forms.ChoiceField(
        label=_("Their comments"),
        choices=[
            ("keep", _("Keep them, under “Former member”")),
            ("remove", _("Remove them")),
        ],
        initial="keep",
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(label=_("I understand that this cannot be undone"), required=True)


class DeleteWorkspaceForm(forms.Form):
    confirm = forms.CharField(label=_("Type the workspace's address to confirm"), max_length=60)
