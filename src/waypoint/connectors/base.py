"""The connector framework: what a kind of source declares, and the HTTP client it reads with.

A kind is one module in ``kinds/`` that builds a :class:`Kind`: its settings (which of them
are credentials), how it authenticates, what it reads, how it pages, and a ``fetch`` that
turns a :class:`Call` into a :class:`Result`. ``fetch`` only reads: the pull (``services``)
writes what it returns, all or nothing, so a malformed answer writes nothing.

Every request goes through :class:`Client`, on the outbound policy (``waypoint.outbound``):
the address is checked and pinned, time and size are capped, credentials are not sent on
to another host by a redirect. A 429 or a 5xx is retried after its ``Retry-After`` (or 1,
2, 4 seconds) up to three times within a pull; a longer wait ends the pull as
:class:`Busy`, and the schedule tries again after it. An OAuth 2 access token that has
expired (or that the vendor refuses with 401) is refreshed once with the refresh token, and
the new tokens are stored encrypted with the source.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from waypoint import outbound
from waypoint.lib import bounded

MAX_REQUESTS = 50  # per pull: pages included
MAX_WAIT = 10  # seconds a pull waits for a Retry-After before leaving it to the schedule
RETRIES = 3
AUTHS = {
    "none": gettext_lazy("none"),
    "api_key": gettext_lazy("API key"),
    "basic": gettext_lazy("user and API token"),
    "oauth2": gettext_lazy("OAuth 2 with refresh"),
    "password": gettext_lazy("database user and password"),
    "secret_url": gettext_lazy("a secret address"),
}
READS = {
    "metric": gettext_lazy("a metric over dates"),
    "count": gettext_lazy("a count"),
    "share": gettext_lazy("a done share"),
    "items": gettext_lazy("a list of work items"),
    "annotations": gettext_lazy("annotations"),
}


class SourceError(Exception):
    """What went wrong, for the person who set the source up; nothing was written."""


class Busy(SourceError):
    """The vendor asked to wait longer than a pull waits: the schedule tries again later."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Setting:
    name: str
    label: Any
    help: Any = ""
    secret: bool = False
    required: bool = True
    widget: str = "text"  # text, textarea, number, choice
    choices: tuple[tuple[str, Any], ...] = ()
    default: str = ""


@dataclass
class WorkItem:
    """One piece of work an initiative is linked to, as its tool sees it now."""

    title: str
    url: str
    state: str  # an initiative's status: planned, in_progress, done or cancelled
    moved_at: dt.datetime | None = None  # when it last changed state, if the tool says


@dataclass
class Result:
    points: list[tuple[dt.date, float]] = field(default_factory=list)
    # (date, text) or (date, text, kind): kind one of kpis' Annotation.Kind, else external.
    annotations: list[tuple] = field(default_factory=list)
    item: WorkItem | None = None


@dataclass(frozen=True)
class Kind:
    key: str
    label: Any
    auth: str
    reads: tuple[str, ...]
    pages: Any  # how it pages, in words
    settings: tuple[Setting, ...]
    fetch: Callable[[Call], Result] | None  # None: nothing to pull (a catch hook)
    # The headers that authenticate a request, from the source's settings and credentials.
    headers: Callable[[dict], dict] | None = None
    # OAuth 2: the token endpoint's address, from the source's settings.
    token_url: Callable[[dict], str] | None = None
    # Checks the settings when they are saved: a ValidationError names the field.
    validate: Callable[[dict], None] | None = None
    # The values of its "what" setting that read one work item (for an initiative); the
    # others read numbers (for a KPI or a key result).
    item_whats: tuple[str, ...] = ()
    # OAuth 2's "Connect with …": the operator's app (settings.OAUTH_APPS), where the vendor
    # asks the person to agree, and the scopes asked for.
    oauth_app: str = ""
    authorize_url: str = ""
    scopes: tuple[str, ...] = ()
    authorize_params: tuple[tuple[str, str], ...] = ()

    @property
    def pulled(self) -> bool:
        """Pulled on a schedule (a catch hook is posted to instead)."""
        return self.fetch is not None

    def setting(self, name: str) -> Setting | None:
        return next((s for s in self.settings if s.name == name), None)

    @property
    def secret_names(self) -> set[str]:
        return {s.name for s in self.settings if s.secret}


@dataclass
class Call:
    """What a kind's ``fetch`` gets: its settings (credentials included), today in the
    workspace, and the client to read with."""

    kind: Kind
    values: dict
    today: dt.date
    client: Client
    since: dt.date | None = None  # the last successful pull's day, for what reads by date

    def __getitem__(self, name: str):
        return self.values.get(name, "")


# --- Reading answers ----------------------------------------------------------------------


def number(value, what: str) -> float:
    """A finite number from a vendor's answer, or a SourceError naming where it was read."""
    if isinstance(value, bool) or value is None:
        raise SourceError(_("%(what)s is not a number.") % {"what": what})
    from waypoint.kpis import importing

    if isinstance(value, str):
        out = importing.parse_number(value)  # 1234.5, "1,234.5", "12,5" and "12%"
    else:
        try:
            out = float(value)
        except (TypeError, ValueError):
            out = None
    if out is None:
        raise SourceError(_("%(what)s is not a number.") % {"what": what})
    if not math.isfinite(out):
        raise SourceError(_("%(what)s is not a finite number.") % {"what": what})
    return out


def key(data, name: str, what: str):
    """``data[name]`` of a vendor's JSON object, or a SourceError saying it is missing."""
    if not isinstance(data, dict) or name not in data:
        raise SourceError(
            _("The answer from %(what)s has no “%(name)s”: is it the right address?")
            % {"what": what, "name": name}
        )
    return data[name]


def moment(value) -> dt.datetime | None:
    """A vendor's timestamp (ISO 8601, with Z or an offset such as +0100), or None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]  # +0100 as +01:00
    try:
        found = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def day(value, what: str) -> dt.date:
    from waypoint.kpis import importing

    found = importing.parse_date(value)
    if found is None:
        raise SourceError(_("%(what)s is not a date.") % {"what": what})
    return found


# --- HTTP ---------------------------------------------------------------------------------


def _retry_after(response: outbound.Response) -> float | None:
    raw = response.header("Retry-After").strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - timezone.now()).total_seconds(), 0.0)


def _message(body: bytes) -> str:
    """A vendor's error message, short, from the usual places in its JSON."""
    try:
        data = bounded.json_loads(body[:20_000])
    except ValueError:
        return ""
    for path in (
        ("message",),
        ("error", "message"),
        ("error_description",),
        ("errorMessages", 0),
        ("errors", 0, "message"),
        ("error",),
    ):
        found = data
        for step in path:
            try:
                found = found[step]
            except (KeyError, IndexError, TypeError):
                found = None
                break
        if isinstance(found, str) and found.strip():
            return found.strip()[:200]
    return ""


class Client:
    """HTTP for one pull: the outbound policy, retries, OAuth refresh and a request budget."""

    def __init__(
        self,
        *,
        vendor: str,
        headers: dict | None = None,
        oauth: OAuthState | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.vendor = vendor
        self.auth_headers = headers or {}
        self.oauth = oauth
        self.sleep = sleep
        self.requests = 0

    def _headers(self, headers: dict | None) -> dict:
        out = {"Accept": "application/json", "User-Agent": "Waypoint"}
        if self.oauth is not None:
            out["Authorization"] = f"Bearer {self.oauth.access_token(self)}"
        out.update(self.auth_headers)
        out.update(headers or {})
        return out

    def send(self, method: str, url: str, *, body: bytes | None = None, headers=None):
        refreshed = False
        attempt = 0
        while True:
            if self.requests >= MAX_REQUESTS:
                raise SourceError(
                    _("The source needed more than %(n)s requests in one pull: narrow it.")
                    % {"n": MAX_REQUESTS}
                )
            self.requests += 1
            try:
                response = outbound.request(method, url, body=body, headers=self._headers(headers))
            except outbound.OutboundRefused as exc:
                raise SourceError(str(exc)) from exc
            except OSError as exc:
                raise SourceError(
                    _("%(vendor)s could not be reached: %(error)s")
                    % {"vendor": self.vendor, "error": str(exc)[:200] or type(exc).__name__}
                ) from exc
            if response.status == 401 and self.oauth is not None and not refreshed:
                self.oauth.refresh(self)
                refreshed = True
                continue
            limited = response.status == 403 and response.header("X-RateLimit-Remaining") == "0"
            if response.status == 429 or response.status >= 500 or limited:
                wait = _retry_after(response)
                if wait is None and limited and response.header("X-RateLimit-Reset").isdigit():
                    wait = max(float(response.header("X-RateLimit-Reset")) - time.time(), 0.0)
                wait = 2.0**attempt if wait is None else wait
                if attempt >= RETRIES or wait > MAX_WAIT:
                    raise Busy(
                        _("%(vendor)s answered %(status)s (busy); tried again later.")
                        % {"vendor": self.vendor, "status": response.status},
                        retry_after=wait,
                    )
                self.sleep(wait)
                attempt += 1
                continue
            if response.status >= 400:
                said = _message(response.body)
                raise SourceError(
                    _("%(vendor)s refused the request (%(status)s)%(said)s")
                    % {
                        "vendor": self.vendor,
                        "status": response.status,
                        "said": f": {said}" if said else ".",
                    }
                )
            return response

    def json(self, method: str, url: str, *, params=None, payload=None, headers=None):
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params, doseq=True)
        body = None
        if payload is not None:
            import json as _json

            body = _json.dumps(payload).encode()
            headers = {"Content-Type": "application/json", **(headers or {})}
        response = self.send(method, url, body=body, headers=headers)
        return response, self.parse(response.body)

    def get(self, url: str, params=None, headers=None):
        return self.json("GET", url, params=params, headers=headers)[1]

    def parse(self, body: bytes):
        try:
            return bounded.json_loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SourceError(
                _("The answer from %(vendor)s is not valid JSON.") % {"vendor": self.vendor}
            ) from exc


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"} if token else {}


def basic(user: str, password: str) -> dict:
    pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return {"Authorization": f"Basic {pair}"}


class OAuthState:
    """A source's OAuth 2 tokens: the access token used until it expires, then refreshed.

    ``values`` is the source's decrypted credentials (client id and secret, refresh token,
    access token and its expiry); a refresh changes them, and ``changed`` tells the pull
    to store them again, encrypted."""

    def __init__(self, values: dict, token_url: str, vendor: str, app: dict | None = None):
        self.values = values
        self.token_url = token_url
        self.vendor = vendor
        self.app = app or {}
        self.changed = False

    def client(self) -> tuple[str, str]:
        """The client id and secret: the source's own, else the operator's app's."""
        if self.values.get("client_id"):
            return self.values["client_id"], self.values.get("client_secret", "")
        return self.app.get("client_id", ""), self.app.get("client_secret", "")

    def access_token(self, client: Client) -> str:
        expires = self.values.get("expires_at") or 0
        if not self.values.get("access_token") or time.time() > float(expires) - 60:
            self.refresh(client)
        return self.values["access_token"]

    def refresh(self, client: Client) -> None:
        if not self.values.get("refresh_token"):
            raise SourceError(
                _("%(vendor)s needs a refresh token: connect the source again.")
                % {"vendor": self.vendor}
            )
        client_id, client_secret = self.client()
        data = self.token_request(
            client,
            {
                "grant_type": "refresh_token",
                "refresh_token": self.values["refresh_token"],
                "client_id": client_id,
                "client_secret": client_secret,
            },
            _(
                "%(vendor)s refused to refresh the access token (%(status)s)%(said)s: "
                "connect the source again."
            ),
        )
        self.take(data)

    def exchange(self, client: Client, code: str, redirect_uri: str) -> None:
        """The authorization code from "Connect with …", exchanged for the tokens."""
        client_id, client_secret = self.client()
        data = self.token_request(
            client,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": client_id,
                "client_secret": client_secret,
            },
            _("%(vendor)s refused the authorization (%(status)s)%(said)s: connect again."),
        )
        self.take(data)
        if not self.values.get("refresh_token"):
            raise SourceError(
                _("%(vendor)s gave no refresh token: connect again.") % {"vendor": self.vendor}
            )

    def token_request(self, client: Client, fields: dict, refused: str):
        form = urlencode(fields).encode()
        client.requests += 1
        try:
            response = outbound.request(
                "POST",
                self.token_url,
                body=form,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Accept": "application/json",
                },
                max_bytes=64 * 1024,
            )
        except outbound.OutboundRefused as exc:
            raise SourceError(str(exc)) from exc
        except OSError as exc:
            raise SourceError(
                _("%(vendor)s could not be reached: %(error)s")
                % {"vendor": self.vendor, "error": str(exc)[:200]}
            ) from exc
        if response.status >= 400:
            said = _message(response.body)
            raise SourceError(
                refused
                % {
                    "vendor": self.vendor,
                    "status": response.status,
                    "said": f", {said}" if said else "",
                }
            )
        return client.parse(response.body)

    def take(self, data) -> None:
        """Keep the tokens of a token endpoint's answer."""
        token = key(data, "access_token", self.vendor)
        if not isinstance(token, str) or not token:
            raise SourceError(_("%(vendor)s sent no access token.") % {"vendor": self.vendor})
        self.values["access_token"] = token
        lifetime = data.get("expires_in") if isinstance(data, dict) else None
        try:
            seconds = float(lifetime) if lifetime is not None else 3600.0
        except (TypeError, ValueError):
            seconds = 3600.0
        self.values["expires_at"] = time.time() + seconds
        if isinstance(data.get("refresh_token"), str) and data["refresh_token"]:
            self.values["refresh_token"] = data["refresh_token"]  # some vendors rotate it
        self.changed = True


ADDRESS_HELP = gettext_lazy("Change it only for a proxy, a private installation or a test server.")


def oauth_settings(base_url_default: str, token_url_default: str = "") -> tuple[Setting, ...]:
    """The settings every OAuth 2 kind shares (the tokens come from connecting the app).
    A vendor whose token endpoint is on another host (Google) names it as a setting too."""
    extra = (
        (
            Setting(
                "token_url",
                gettext_lazy("Token address"),
                help=ADDRESS_HELP,
                required=False,
                default=token_url_default,
            ),
        )
        if token_url_default
        else ()
    )
    return (
        # Empty when the operator's app is used: "Connect with …" fills the tokens in.
        Setting(
            "client_id",
            gettext_lazy("Client ID"),
            help=gettext_lazy("Your own app's; leave empty to connect through this server's."),
            secret=True,
            required=False,
        ),
        Setting("client_secret", gettext_lazy("Client secret"), secret=True, required=False),
        Setting(
            "refresh_token",
            gettext_lazy("Refresh token"),
            help=gettext_lazy("From connecting the app once; Waypoint renews access itself."),
            secret=True,
            required=False,
        ),
        base_url(base_url_default),
        *extra,
    )


GOOGLE_TOKEN = "https://oauth2.googleapis.com/token"  # noqa: S105  (an address, not a secret)
GOOGLE_AUTHORIZE = "https://accounts.google.com/o/oauth2/v2/auth"
# Google gives a refresh token only when asked for offline access, with the consent screen.
GOOGLE_PARAMS = (("access_type", "offline"), ("prompt", "consent"))


def google_token_url(values: dict) -> str:
    return values.get("token_url") or GOOGLE_TOKEN


def days_to_read(call: Call, first: int = 90, settle: int = 3) -> tuple[dt.date, dt.date]:
    """The dates a metric over dates reads: the last ``first`` days the first time, then
    from a few days before the last good pull (vendors revise recent days)."""
    start = call.today - dt.timedelta(days=first - 1)
    if call.since:
        start = max(start, call.since - dt.timedelta(days=settle))
    return start, call.today


def base_url(default: str) -> Setting:
    return Setting(
        "base_url",
        gettext_lazy("API address"),
        help=ADDRESS_HELP,
        required=False,
        default=default,
    )


def api(values: dict, default: str) -> str:
    return (values.get("base_url") or default).rstrip("/")
