"""Credentials encrypted at rest.

A connector's API keys, passwords, database URLs and OAuth tokens are stored as one Fernet
token (AES-128 in CBC mode with an HMAC-SHA256, from the ``cryptography`` package): what
the database holds cannot be read without the key, and a changed byte is refused rather
than decrypted to something else.

The key comes from ``WAYPOINT_ENCRYPTION_KEY`` (one or more Fernet keys separated by commas:
the first encrypts, all of them decrypt, so a key is rotated by putting the new one first
and running ``waypoint manage rotate_credentials``), else from ``encryption_key`` in the
data directory, generated once with mode 0600. A backup restored on a server with another
key keeps its sources, whose credentials must then be typed again (the source's page says
so).
"""

from __future__ import annotations

import json
import os
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext as _

from waypoint.lib.keyfile import read_or_make

KEY_FILE = "encryption_key"


class VaultError(Exception):
    """Stored credentials that cannot be read with this server's key."""


def _keys() -> list[bytes]:
    from_env = os.environ.get("WAYPOINT_ENCRYPTION_KEY", "").strip()
    if from_env:
        return [k.strip().encode() for k in from_env.split(",") if k.strip()]
    made = read_or_make(settings.DATA_DIR / KEY_FILE, lambda: Fernet.generate_key().decode())
    return [made.encode()]


@cache
def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in _keys()])
    except ValueError as exc:
        raise VaultError(_("The encryption key is not a valid Fernet key.")) from exc


def reset() -> None:
    """Forget the key read (tests and rotation change it)."""
    _fernet.cache_clear()


def encrypt(data: dict) -> str:
    if not data:
        return ""
    return _fernet().encrypt(json.dumps(data, sort_keys=True).encode()).decode("ascii")


def decrypt(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError) as exc:
        raise VaultError(
            _(
                "The stored credentials cannot be read with this server's encryption key "
                "(restored from another server?): enter them again."
            )
        ) from exc


def rotate(token: str) -> str:
    """The same credentials under the first key."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise VaultError(str(exc)) from exc
