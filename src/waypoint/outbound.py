"""The one outbound policy: every connection to a URL, host or file that a user typed.

KPI SQL sources, webhooks, the workspace's Slack and every future connector go through
here, so that a tenant never reaches what belongs to the server:

- **Files.** SQLite sources are refused unless the operator lists directories in
  ``WAYPOINT_SOURCE_SQLITE_DIRS``. The path is resolved (``realpath``) in the process that
  opens it, so ``/proc/self/fd/N``, symlinks and ``..`` cannot lead out of those
  directories, nor into Waypoint's data directory.
- **Network.** The host is resolved and every address it resolves to is checked: loopback,
  private, shared, link-local (cloud metadata), multicast, reserved and unspecified
  addresses are refused unless ``WAYPOINT_OUTBOUND_ALLOW`` lists the host or a network
  holding the address. Waypoint's own database, cache and queue servers are refused
  always. The connection goes to the address that was checked (no second DNS answer), a
  redirect is checked like the first URL, and time and response size are capped.

Every refusal is an :class:`OutboundRefused` with a message for the person who typed it.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 10
MAX_RESPONSE_BYTES = 1024 * 1024
MAX_REDIRECTS = 3
SYSTEM_DIRS = ("/proc", "/dev", "/sys", "/run")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class OutboundRefused(Exception):
    """A connection the policy does not allow; the message says why, for the user."""


# --- What the operator allows ------------------------------------------------------------


def sqlite_dirs() -> list[Path]:
    return [Path(os.path.realpath(d)) for d in getattr(settings, "SOURCE_SQLITE_DIRS", [])]


def _allow_list() -> tuple[set[str], list[ipaddress._BaseNetwork]]:
    hosts, networks = set(), []
    for item in getattr(settings, "OUTBOUND_ALLOW", []):
        try:
            networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
        except ValueError:
            hosts.add(item.lower().rstrip("."))
    return hosts, networks


# --- Files ----------------------------------------------------------------------------------


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_file(raw: str) -> Path:
    """The real path of a SQLite file a tenant may read, or OutboundRefused."""
    allowed = sqlite_dirs()
    if not allowed:
        raise OutboundRefused(
            _(
                "SQLite files are not allowed as data sources on this server (the operator can "
                "allow directories with WAYPOINT_SOURCE_SQLITE_DIRS)."
            )
        )
    if not raw or "\x00" in raw:
        raise OutboundRefused(_("Name a database file."))
    real = Path(os.path.realpath(raw))
    spelled = Path(os.path.abspath(raw))
    if any(_inside(p, Path(d)) for d in SYSTEM_DIRS for p in (spelled, real)):
        raise OutboundRefused(_("System files cannot be a data source."))
    own = Path(os.path.realpath(settings.DATA_DIR))
    if _inside(real, own):
        raise OutboundRefused(_("Waypoint's own data cannot be a data source."))
    if not any(_inside(real, d) for d in allowed):
        raise OutboundRefused(
            _("The file is outside the directories this server allows for data sources.")
        )
    return real


# --- Addresses ------------------------------------------------------------------------------


def _address_class(ip: IPAddress) -> str | None:
    """Why an address is not public, or None when it is."""
    ip = _unmapped(ip)
    if ip.is_loopback:
        return _("a loopback address")
    if ip.is_link_local:
        return _("a link-local address")
    if ip.is_multicast:
        return _("a multicast address")
    if ip.is_unspecified or ip.is_reserved:
        return _("a reserved address")
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.ip_network("100.64.0.0/10"):
        return _("a shared address")
    if ip.is_private or not ip.is_global:
        return _("a private address")
    return None


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(_("The host %(host)s cannot be found.") % {"host": host}) from exc
    out = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if ip not in out:
            out.append(ip)
    return out


def _unmapped(ip: IPAddress) -> IPAddress:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        return ip.ipv4_mapped
    return ip


def own_endpoints() -> list[tuple[IPAddress, int]]:
    """The addresses and ports of Waypoint's own database, cache and queue servers."""
    found = []
    db = settings.DATABASES["default"]
    if "sqlite" not in db["ENGINE"]:
        found.append((db.get("HOST") or "localhost", int(db.get("PORT") or 5432)))
    for url in (getattr(settings, "REDIS_URL", ""), settings.HUEY.get("url", "")):
        if url:
            parts = urlsplit(url)
            found.append((parts.hostname or "localhost", parts.port or 6379))
    out = []
    for host, port in found:
        if host.startswith("/"):
            continue  # a Unix socket: never reachable by a network URL
        try:
            out += [(ip, port) for ip in _resolve(host, port)]
        except OutboundRefused:
            continue
    return out


def _is_own(ip: IPAddress, port: int, own: list[tuple[IPAddress, int]]) -> bool:
    ip = _unmapped(ip)
    for own_ip, own_port in own:
        own_ip = _unmapped(own_ip)
        if port != own_port:
            continue
        # A server on loopback answers every loopback spelling (127.0.0.2, ::1, 0.0.0.0).
        if ip == own_ip or (own_ip.is_loopback and (ip.is_loopback or ip.is_unspecified)):
            return True
    return False


def check_host(host: str, port: int) -> IPAddress:
    """The checked address to connect to for ``host:port``, or OutboundRefused."""
    host = (host or "").strip().lower().rstrip(".")
    if not host:
        raise OutboundRefused(_("The URL names no host."))
    addresses = _resolve(host.strip("[]"), port)
    if not addresses:
        raise OutboundRefused(_("The host %(host)s cannot be found.") % {"host": host})
    allowed_hosts, allowed_networks = _allow_list()
    own = own_endpoints()
    for ip in addresses:
        if _is_own(ip, port, own):
            raise OutboundRefused(
                _("Waypoint's own database, cache and queue servers cannot be reached.")
            )
        why = _address_class(ip)
        if why and host not in allowed_hosts and not any(ip in n for n in allowed_networks):
            raise OutboundRefused(
                _(
                    "%(host)s is %(why)s, which this server does not connect to (the operator "
                    "can allow it with WAYPOINT_OUTBOUND_ALLOW)."
                )
                % {"host": host, "why": why}
            )
    return addresses[0]


def check_url(url: str) -> tuple[str, int, IPAddress]:
    """An http(s) URL's host, port and the checked address, or OutboundRefused."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise OutboundRefused(_("The URL is not valid.")) from exc
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused(_("The URL must start with http:// or https://."))
    if parts.username or parts.password:
        raise OutboundRefused(_("Put no user name or password in the URL."))
    port = port or (443 if parts.scheme == "https" else 80)
    return parts.hostname or "", port, check_host(parts.hostname or "", port)


# --- HTTP -----------------------------------------------------------------------------------


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the checked address, whatever DNS says on the second asking."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = str(address)

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = str(address)

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Response:
    status: int
    body: bytes
    url: str
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict | None = None,
    timeout: float | None = None,
    max_bytes: int = MAX_RESPONSE_BYTES,
) -> Response:
    """One HTTP request under the policy. Redirects (at most three) are checked like the
    first URL; the whole exchange, redirects included, has one deadline; a response body
    larger than ``max_bytes`` is refused. Network failures raise OSError."""
    timeout = TIMEOUT_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + timeout
    for _hop in range(MAX_REDIRECTS + 1):
        host, port, address = check_url(url)
        parts = urlsplit(url)
        remaining = max(deadline - time.monotonic(), 0.01)
        kind = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
        conn = kind(host, port, address, remaining)
        try:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                if response.status == 303:
                    method, body = "GET", None
                if _origin(url) != _origin(parts.geturl()):
                    # Credentials are for the server they were given for, not where it sends.
                    headers = {
                        k: v for k, v in (headers or {}).items() if k.lower() not in CREDENTIALS
                    }
                continue
            data = _read_capped(response, max_bytes, deadline)
            received = {k.lower(): v for k, v in response.getheaders()}
            return Response(response.status, data, url, received)
        except http.client.HTTPException as exc:
            raise OSError(str(exc)) from exc
        finally:
            conn.close()
    raise OutboundRefused(_("Too many redirects."))


CREDENTIALS = {"authorization", "cookie", "proxy-authorization", "x-api-key", "api-key"}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def _read_capped(response, max_bytes: int, deadline: float) -> bytes:
    chunks, size = [], 0
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError(_("The server took too long to answer."))
        chunk = response.read(min(65536, max_bytes + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise OutboundRefused(_("The answer is larger than %(n)s bytes.") % {"n": max_bytes})


def post_json(url: str, body: bytes, headers: dict | None = None) -> int:
    """POST a JSON body; the status code. Used by webhooks and Slack."""
    response = request(
        "POST",
        url,
        body=body,
        headers={"Content-Type": "application/json", **(headers or {})},
        max_bytes=64 * 1024,
    )
    return response.status
