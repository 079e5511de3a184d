"""Security events and sessions.

Sign-ins, failed sign-ins, lockouts, sign-outs, password and second-factor changes and ended
sessions are written to the audit trail as ``security.*`` entries about the person. They
belong to no one workspace: the audit page of every workspace the person is a member of
shows them (``selectors.audit_entries``). The person's sessions are allauth's
``UserSession`` rows, recorded at sign-in; ending one deletes the session itself.
"""

from __future__ import annotations

import re
import time

from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import Role, User

# How often a session's "last seen" (and address) is written: at most every five minutes.
SEEN_EVERY = 300
_AGENT_MAX = 300


def client(request) -> dict:
    """The address and browser a request came from, as the trail keeps them."""
    if request is None:
        return {}
    from waypoint.ratelimit import client_address

    return {
        "ip": client_address(request),
        "agent": request.META.get("HTTP_USER_AGENT", "")[:_AGENT_MAX],
    }


def event(action: str, *, user: User, actor: User | None = None, request=None, **details):
    """One security event about ``user`` (``security.<action>``), with where it came from."""
    return audit.record(
        workspace=None,
        actor=actor,
        action=f"security.{action}",
        obj=user,
        after={**client(request), **details} or None,
    )


def user_for_email(email: str) -> User | None:
    if not email or "@" not in email:
        return None
    return User.objects.filter(email__iexact=email.strip()).first()


# --- Devices ----------------------------------------------------------------------------------

_BROWSERS = [
    ("Edge", r"Edg(?:e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Samsung Internet", r"SamsungBrowser/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/|Chromium/"),
    ("Safari", r"Safari/"),
]
_SYSTEMS = [
    ("iPhone", r"iPhone"),
    ("iPad", r"iPad"),
    ("Android", r"Android"),
    ("ChromeOS", r"CrOS"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
]


def device(agent: str) -> str:
    """ "Firefox on Windows" from a User-Agent header; the header's start if unknown."""
    browser = next((name for name, pattern in _BROWSERS if re.search(pattern, agent)), "")
    system = next((name for name, pattern in _SYSTEMS if re.search(pattern, agent)), "")
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    return browser or system or (agent[:60] or _("Unknown device"))


# --- Sessions ---------------------------------------------------------------------------------


def sessions_of(user: User) -> list:
    """The person's sessions still alive, the most recently used first."""
    from allauth.usersessions.models import UserSession

    alive = UserSession.objects.purge_and_list(user)
    return sorted(alive, key=lambda s: s.last_seen_at, reverse=True)


def seen(request) -> None:
    """Keep the session's "last seen" and address, at most every ``SEEN_EVERY`` seconds; a
    session begun before sessions were recorded is recorded now."""
    from allauth.usersessions.models import UserSession

    session = request.session
    now = int(time.time())
    if not session.session_key or now - session.get("_seen", 0) < SEEN_EVERY:
        return
    found = UserSession.objects.filter(session_key=session.session_key, user=request.user)
    if not found.update(last_seen_at=timezone.now(), ip=client(request)["ip"]):
        UserSession.objects.create_from_request(request)
    session["_seen"] = now


@transaction.atomic
def end_session(*, user: User, pk: int, request) -> bool:
    """End one of the person's own sessions (not the one making the request)."""
    from allauth.usersessions.models import UserSession

    found = UserSession.objects.filter(user=user, pk=pk).first()
    if found is None or found.session_key == request.session.session_key:
        return False
    event(
        "session_end",
        user=user,
        actor=request.user,
        request=request,
        ended={"ip": found.ip, "device": device(found.user_agent)},
    )
    found.end()
    return True


@transaction.atomic
def sign_out_everywhere(*, user: User, actor: User | None, request=None, keep_current=False):
    """End every session of the person. With ``keep_current`` (the person themselves, "sign
    out everywhere else"), the session making the request stays signed in."""
    from allauth.usersessions.models import UserSession

    User.objects.filter(pk=user.pk).update(sessions_epoch=F("sessions_epoch") + 1)
    user.refresh_from_db(fields=["sessions_epoch"])
    keep = request.session.session_key if (keep_current and request is not None) else None
    ended = 0
    for found in UserSession.objects.filter(user=user).exclude(session_key=keep or ""):
        found.end()
        ended += 1
    if keep:
        update_session_auth_hash(request, user)
    event("sign_out_everywhere", user=user, actor=actor, request=request, sessions=ended)
    return ended


# --- A second factor --------------------------------------------------------------------------


def mfa_required(workspace, member) -> bool:
    """Whether the workspace asks this member for a second factor."""
    if workspace.require_mfa == "everyone":
        return True
    return workspace.require_mfa == "admins" and member.role in (Role.OWNER, Role.ADMIN)


def has_mfa(user: User) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def locked_workspaces(user: User, workspaces) -> set[int]:
    """Of these workspaces, the ids of those that ask this person for a second factor they
    have not set up (shown nowhere until they do)."""
    from .models import Member

    asking = [w.pk for w in workspaces if w.require_mfa]
    if not asking or has_mfa(user):
        return set()
    return {
        m.workspace_id
        for m in Member.objects.filter(user=user, workspace_id__in=asking).select_related(
            "workspace"
        )
        if mfa_required(m.workspace, m)
    }


# --- Signals ----------------------------------------------------------------------------------


def _signed_in(sender, request, user, **kwargs):
    methods = []
    if request is not None and hasattr(request, "session"):
        for step in request.session.get("account_authentication_methods", []):
            kind = step.get("type") or step.get("provider")
            methods.append(f"{step.get('method')}:{kind}" if kind else step.get("method", ""))
    event("sign_in", user=user, actor=user, request=request, methods=methods)
    if request is not None and hasattr(request, "session"):
        request.session["_seen"] = int(time.time())


def _sign_in_failed(sender, credentials, request=None, **kwargs):
    user = user_for_email(credentials.get("email") or credentials.get("username") or "")
    if user is not None:
        event("sign_in_failed", user=user, request=request)


def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        event("sign_out", user=user, actor=user, request=request)


def _password(action):
    def receiver(sender, request, user, **kwargs):
        event(action, user=user, actor=user, request=request)

    return receiver


def _authenticator(action):
    def receiver(sender, request, user, authenticator=None, **kwargs):
        kind = authenticator.type if authenticator is not None else ""
        event(
            action,
            user=user,
            actor=user if action != "mfa_failed" else None,
            request=request,
            factor=kind,
        )

    return receiver


def connect() -> None:
    """Listen to Django's, allauth's and allauth.mfa's signals (called once, at start)."""
    from allauth.account import signals as account
    from allauth.mfa import signals as mfa
    from django.contrib.auth import signals as auth

    receivers = [
        (auth.user_logged_in, _signed_in, "sign_in"),
        (auth.user_login_failed, _sign_in_failed, "sign_in_failed"),
        (auth.user_logged_out, _signed_out, "sign_out"),
        (account.password_changed, _password("password_change"), "password_change"),
        (account.password_set, _password("password_set"), "password_set"),
        (account.password_reset, _password("password_reset"), "password_reset"),
        (mfa.authenticator_added, _authenticator("mfa_add"), "mfa_add"),
        (mfa.authenticator_removed, _authenticator("mfa_remove"), "mfa_remove"),
        (mfa.authenticator_reset, _authenticator("mfa_reset"), "mfa_reset"),
        (mfa.authentication_failed, _authenticator("mfa_failed"), "mfa_failed"),
    ]
    for signal, receiver, name in receivers:
        # Strong references: the receivers made here have nothing else holding them.
        signal.connect(receiver, weak=False, dispatch_uid=f"waypoint.security.{name}")
