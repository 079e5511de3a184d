from django.db import models
from django.utils.translation import gettext_lazy as _

from waypoint.workspaces.models import Workspace

EVENTS = {
    "checkin.created": _("A check-in is recorded"),
    "kpi.breached": _("A KPI crosses into warning or critical"),
    "kpi.recovered": _("A KPI is healthy again"),
    "objective.graded": _("An objective is graded"),
    "cycle.closed": _("A cycle is closed"),
}


class Webhook(models.Model):
    """A URL that receives signed JSON POSTs when chosen events happen in a workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=64)
    events = models.JSONField(_("events"), default=list)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["-created_at"]

    def __str__(self):
        return self.url


class Delivery(models.Model):
    """One event sent to one webhook: its attempts and the receiver's last answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    # The event of the outbox this delivery sends: one delivery per event and webhook.
    source = models.ForeignKey(
        "jobs.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "webhook"], name="delivery_once_per_hook")
        ]

    def __str__(self):
        return f"{self.event} → {self.webhook}"


class Kind(models.TextChoices):
    """What a notification is about. Each member chooses, per kind, where it reaches them."""

    CHECKIN_DUE = "checkin_due", _("Check-ins due")
    MENTION = "mention", _("Mentions of you")
    COMMENT = "comment", _("Comments on your objectives")
    DEVIATION = "deviation", _("KPI deviations to answer")
    KPI_ALERT = "kpi_alert", _("KPI alerts")
    GRADE_DUE = "grade_due", _("Grades due at the end of a cycle")
    DIGEST = "digest", _("Weekly digest (team leads)")
    COMMITMENT = "commitment", _("Commitments at risk in your teams (team leads)")
    INITIATIVE_DUE = "initiative_due", _("Your initiatives past their due date")
    REPORT_REVIEW = "report_review", _("Scheduled reports to review and send (editors)")
    OBJECTIVE_REVIEW = "objective_review", _("Draft objectives to review (team leads)")


class Channel(models.TextChoices):
    APP = "app", _("In the app")
    EMAIL = "email", _("By e-mail")
    SLACK = "slack", _("In Slack")
    TEAMS = "teams", _("In Teams")
    PUSH = "push", _("Push")


# Slack, Teams and push reach a person only once they are connected (their Slack account
# linked, their Teams workflow address given, push turned on in a browser).
_EVERYWHERE = [Channel.APP, Channel.EMAIL, Channel.SLACK, Channel.TEAMS, Channel.PUSH]
DEFAULT_CHANNELS = {
    Kind.CHECKIN_DUE: _EVERYWHERE,
    Kind.MENTION: _EVERYWHERE,
    Kind.COMMENT: [Channel.APP],
    Kind.DEVIATION: _EVERYWHERE,
    Kind.KPI_ALERT: _EVERYWHERE,
    Kind.GRADE_DUE: [Channel.APP, Channel.EMAIL],
    Kind.DIGEST: [Channel.EMAIL],
    Kind.COMMITMENT: _EVERYWHERE,
    Kind.INITIATIVE_DUE: [Channel.APP, Channel.EMAIL],
    Kind.REPORT_REVIEW: [Channel.APP, Channel.EMAIL],
    Kind.OBJECTIVE_REVIEW: [Channel.APP, Channel.EMAIL],
}
# Where a kind cannot go: a digest is a letter, not a line of the feed.
CHANNELS_OF = {kind: list(Channel) for kind in Kind} | {Kind.DIGEST: [Channel.EMAIL]}


class NotificationPrefs(models.Model):
    """Where each kind of notification reaches a member (``channels``: kind → channels); a
    kind not in it goes where ``DEFAULT_CHANNELS`` says."""

    member = models.OneToOneField(
        "workspaces.Member", on_delete=models.CASCADE, related_name="notification_prefs"
    )
    channels = models.JSONField(_("channels"), default=dict, blank=True)
    # A Teams workflow ("Post to a chat when a webhook request is received") of the member's.
    teams_url = models.URLField(_("Teams workflow address"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return str(self.member)

    def wants(self, kind: str, channel: str) -> bool:
        chosen = self.channels.get(kind, DEFAULT_CHANNELS.get(kind, []))
        return channel in chosen and channel in CHANNELS_OF.get(kind, [])


class Notification(models.Model):
    """One line of a member's feed: what happened, where to look, read or not. ``key`` makes
    a notification of one event to one person exist once, however often the job runs."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        "workspaces.Member", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        "workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    key = models.CharField(max_length=120, unique=True)
    in_app = models.BooleanField(default=True)  # False: sent elsewhere only, kept as the key
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "in_app", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_feed"),
        ]

    def __str__(self):
        return self.text


class NotificationRun(models.Model):
    """A weekly send already done, so a second run of the job sends nothing twice."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    week = models.DateField()
    sent = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "kind", "week"], name="one_run_a_week")
        ]

    def __str__(self):
        return f"{self.kind} {self.week}"


class SlackLink(models.Model):
    """The Slack team a workspace has linked, with the bot token of the app installed there."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="slack")
    team_id = models.CharField(max_length=32, unique=True)
    team_name = models.CharField(max_length=200, blank=True)
    # The bot token, encrypted (lib.vault): read and written through ``bot_token``.
    bot_token_secret = models.TextField(default="")
    bot_user_id = models.CharField(max_length=32, blank=True)
    linked_by = models.ForeignKey(
        "workspaces.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Slack team")
        verbose_name_plural = _("Slack teams")

    def __str__(self):
        return self.team_name or self.team_id

    @property
    def bot_token(self) -> str:
        from waypoint.lib import vault

        return vault.decrypt(self.bot_token_secret).get("token", "")

    @bot_token.setter
    def bot_token(self, value: str) -> None:
        from waypoint.lib import vault

        self.bot_token_secret = vault.encrypt({"token": value}) if value else ""


class SlackUser(models.Model):
    """A member's Slack account in the workspace's linked team: found by e-mail address the
    first time they use the app, then kept."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    member = models.OneToOneField(
        "workspaces.Member", on_delete=models.CASCADE, related_name="slack_user"
    )
    slack_user_id = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "slack_user_id"], name="one_member_per_slack_user"
            )
        ]

    def __str__(self):
        return self.slack_user_id


class PushSubscription(models.Model):
    """One browser of a member that takes web push: where to send, and its keys."""

    member = models.ForeignKey(
        "workspaces.Member", on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=64)
    user_agent = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self):
        return self.endpoint[:60]


class InboundMail(models.Model):
    """A reply to a reminder, read once: its Message-ID keeps a second delivery (a webhook
    retried, a poller restarted) from recording the same check-ins twice."""

    message_id = models.CharField(max_length=250, unique=True)
    member = models.ForeignKey(
        "workspaces.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded = models.PositiveIntegerField(default=0)
    problems = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.message_id
