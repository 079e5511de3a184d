import base64
import datetime as dt
import functools
import hashlib
import operator
import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class UserManager(BaseUserManager):
    """Users are identified by e-mail; there is no separate user name."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who can log in. One user can be a member of many workspaces."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    # Raised to end every session the person has, wherever it is ("sign out everywhere"):
    # it is part of the hash each session is checked against on every request.
    sessions_epoch = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [
            # People in the order lists show them: the people page's first screen walks 50
            # entries of it instead of sorting everyone (70 ms to 0.4 ms at 100,000 people).
            models.Index(fields=["full_name", "email", "id"], name="user_name_order")
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return (self.full_name or self.email).split(" ")[0]

    def _get_session_auth_hash(self, secret=None):
        """Django's hash of the password, and of the sessions epoch once it was raised: a
        session made before either changed is no longer this person's."""
        if not self.sessions_epoch:
            return super()._get_session_auth_hash(secret=secret)
        from django.utils.crypto import salted_hmac

        return salted_hmac(
            "waypoint.sessions",
            f"{self.password}:{self.sessions_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()


class Workspace(models.Model):
    """The tenant: one company, or one client of an agency. Every record belongs to one."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    language = models.CharField(_("language"), max_length=10, default="en")
    slack_webhook_url = models.URLField(
        _("Slack incoming-webhook URL"),
        max_length=500,
        blank=True,
        help_text=_("Reminders, team-lead digests and KPI alerts are also posted there."),
    )
    teams_webhook_url = models.URLField(
        _("Microsoft Teams workflow address"),
        max_length=1000,
        blank=True,
        help_text=_(
            "A Teams workflow that posts webhook requests to a channel: reminders, digests and "
            "KPI alerts arrive there as cards."
        ),
    )
    # The day the weekly reminders and digests go out (0 = Monday); None until an admin
    # chooses it, and Monday meanwhile.
    checkin_weekday = models.PositiveSmallIntegerField(_("check-in day"), null=True, blank=True)
    setup_hidden = models.BooleanField(default=False)  # the first-run checklist, put away
    # The role of people who arrive from the company's directory (SCIM) or single sign-on.
    provisioned_role = models.CharField(
        _("role of provisioned people"),
        max_length=10,
        choices=[("member", _("Member")), ("viewer", _("Viewer")), ("editor", _("Editor"))],
        default="member",
    )
    # How long this workspace's audit trail is kept, in days (None: as long as the operator
    # keeps every trail, WAYPOINT_RETAIN_AUDIT_DAYS).
    audit_retention_days = models.PositiveIntegerField(
        _("audit trail kept for (days)"), null=True, blank=True
    )
    # An owner asked for the workspace to be deleted: it goes after the grace period
    # (WAYPOINT_DELETION_GRACE_DAYS) unless an owner takes the request back.
    deletion_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    deletion_requested_by = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    require_mfa = models.CharField(
        _("second factor required"),
        max_length=10,
        choices=[
            ("", _("Never required")),
            ("admins", _("Required of owners and admins")),
            ("everyone", _("Required of everyone")),
        ],
        default="",
        blank=True,
    )
    brand_colour = models.CharField(
        _("brand colour"),
        max_length=7,
        default="#1d4ed8",
        help_text=_("Used on reports, e.g. #1d4ed8."),
    )
    # Kept in the database, not as a media file: the app serves no uploads. Always a PNG,
    # re-encoded and at most 400 x 160 pixels (see waypoint.lib.images).
    logo = models.BinaryField(_("logo"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The workspace's time zone; the server's if the name is unknown."""
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)

    @property
    def reminder_weekday(self) -> int:
        return 0 if self.checkin_weekday is None else self.checkin_weekday

    def today(self) -> dt.date:
        """Today's date where the workspace is: check-ins and KPI periods are dated in it."""
        return timezone.now().astimezone(self.zone).date()

    @property
    def has_logo(self) -> bool:
        return bool(self.logo)

    @property
    def logo_data_uri(self) -> str:
        """The logo inline, for pages and PDFs that must not fetch anything: "" without one."""
        if not self.logo:
            return ""
        return "data:image/png;base64," + base64.b64encode(bytes(self.logo)).decode("ascii")

    @property
    def logo_version(self) -> str:
        """Changes with the logo: a cache-busting suffix for its URL."""
        return hashlib.sha256(bytes(self.logo)).hexdigest()[:12] if self.logo else ""


class Role(models.TextChoices):
    OWNER = "owner", pgettext_lazy("role", "Owner")
    ADMIN = "admin", _("Admin")
    EDITOR = "editor", _("Editor")
    MEMBER = "member", _("Member")
    VIEWER = "viewer", _("Viewer")
    # An agency's client: the reports sent to them and the dashboards, nothing else.
    CLIENT = "client", _("Client")


class Member(models.Model):
    """A user's membership of a workspace, with the role that decides what they may do."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set by the company's directory (SCIM): the person keeps their history, not access.
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    # The directory's own id for the person (SCIM externalId).
    external_id = models.CharField(_("directory id"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["user__full_name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "user"], name="member_unique_per_workspace"
            )
        ]

    def __str__(self):
        return str(self.user)

    @property
    def email(self) -> str:
        return self.user.email


class Team(models.Model):
    """A node of a workspace's team hierarchy; people belong to teams."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )
    lead = models.ForeignKey(
        Member,
        verbose_name=_("team lead"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_led",
    )
    members = models.ManyToManyField(
        Member, verbose_name=_("members"), blank=True, related_name="teams"
    )
    # The directory's own id for the group this team mirrors (SCIM externalId).
    external_id = models.CharField(_("directory id"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="team_name_unique")
        ]

    def __str__(self):
        return self.name


# Writes that record progress (check-ins, data points, comments, ...), not how the OKRs are
# written: a read that judges the OKRs themselves leaves them out of the workspace's data
# version (workspaces.versions), through this condition and the index that answers it.
PROGRESS_ACTIONS = (
    "checkin.",
    "data_point.",
    "comment.",
    "annotation.",
    "deviation.",
    "initiative.",
)
NOT_PROGRESS = functools.reduce(
    operator.and_, [~models.Q(action__startswith=prefix) for prefix in PROGRESS_ACTIONS]
)


class AuditEntry(models.Model):
    """One write made through a service: who did what to which record, before and after."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="audit_entries", null=True
    )
    actor = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=60)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.BigIntegerField(_("object id"), null=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The newest row of a workspace is its data version (workspaces.versions).
            models.Index(fields=["workspace", "-id"], name="audit_workspace_latest"),
            # ... and its newest row that is not progress: found at once, however many
            # check-ins came after the last edit of an objective.
            models.Index(
                fields=["workspace", "-id"], condition=NOT_PROGRESS, name="audit_workspace_plan"
            ),
        ]

    def __str__(self):
        return f"{self.action} {self.object_repr}"


class Invitation(models.Model):
    """An e-mailed invitation to join a workspace with a role; the token is the key."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self):
        return self.email

    @property
    def is_pending(self) -> bool:
        from django.utils import timezone

        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class ApiToken(models.Model):
    """A personal access token for the REST API: one workspace, a scope, stored hashed.

    The token acts as the member who created it, with their role; the raw value is shown
    once, at creation.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Read and write")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_tokens")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class DirectoryToken(models.Model):
    """The bearer token a company's directory (Okta, Entra ID, ...) provisions a workspace's
    people and teams with over SCIM 2.0; stored hashed, shown once."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="directory_tokens"
    )
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("directory token")
        verbose_name_plural = _("directory tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}…"


class SsoConnection(models.Model):
    """A workspace's single sign-on through its company's OpenID Connect provider (Okta,
    Microsoft Entra ID, Google Workspace, Keycloak, ...). It vouches only for addresses at
    its ``domains``; with ``required``, people at those domains cannot use a password."""

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="sso_connection"
    )

    class Protocol(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"
        SAML = "saml", "SAML 2.0"

    protocol = models.CharField(
        _("protocol"), max_length=4, choices=Protocol.choices, default=Protocol.OIDC
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("Shown on the button."))
    # OpenID Connect: the issuer and this application's client ID (the secret below).
    issuer = models.URLField(_("issuer"), max_length=500, blank=True)
    client_id = models.CharField(_("client ID"), max_length=300, blank=True)
    # SAML 2.0: the identity provider's entity ID, sign-in address and signing certificate.
    idp_entity_id = models.CharField(_("identity provider's entity ID"), max_length=500, blank=True)
    idp_sso_url = models.URLField(
        _("identity provider's sign-in address"), max_length=500, blank=True
    )
    idp_certificate = models.TextField(_("identity provider's certificate"), blank=True)
    # The client secret, encrypted (waypoint.lib.vault); never shown again.
    secret = models.TextField(blank=True, default="")
    domains = models.CharField(_("e-mail domains"), max_length=500)
    required = models.BooleanField(_("required"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("single sign-on connection")
        verbose_name_plural = _("single sign-on connections")

    def __str__(self):
        return self.name

    @property
    def provider_id(self) -> str:
        return f"ws-{self.workspace_id}"

    @property
    def domain_list(self) -> list[str]:
        return [d for d in self.domains.split(",") if d]


class IdempotencyKey(models.Model):
    """The first answer to a request sent with an Idempotency-Key, replayed on a retry of the
    same request by the same member (a key is theirs alone, and bound to the request body)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "Member", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    request_digest = models.CharField(max_length=64, default="", blank=True)
    key = models.CharField(max_length=200)
    path = models.CharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "member", "path", "key"], name="idempotency_unique_member"
            )
        ]

    def __str__(self):
        return f"{self.path} {self.key}"


class StoredRollups(models.Model):
    """A model with values derived from others and kept by a service (its ``DERIVED_FIELDS``:
    stored scores, a KPI's status). Saving an instance never writes them back: an instance
    read before a check-in holds stale ones."""

    DERIVED_FIELDS: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is None and not self._state.adding:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.DERIVED_FIELDS
            ]
        super().save(*args, **kwargs)


class RateCount(models.Model):
    """Requests counted in one window of one rate limit (``waypoint.ratelimit``), when no
    Redis is configured: one row per key and window, counted by a single upsert."""

    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}: {self.count}"
