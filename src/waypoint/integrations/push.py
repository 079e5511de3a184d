"""Web push (RFC 8030, 8291, 8292): a member turns push on in a browser, the browser gives
an endpoint of its push service and two keys, and each notification they chose to get by
push is encrypted for that browser (aes128gcm) and signed with the installation's VAPID key.

The VAPID key pair is made the first time it is needed and kept in the data directory
(``vapid.pem``, readable by its owner only), so that subscriptions survive restarts and
upgrades. The POST to the push service goes through the outbound policy; an endpoint the
push service says is gone (404, 410) is forgotten.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from waypoint import outbound
from waypoint.workspaces.models import Member

from .models import PushSubscription

log = logging.getLogger(__name__)
TTL_SECONDS = 24 * 3600
MAX_PAYLOAD = 3000  # push services take about 4 KB after encryption
_lock = threading.Lock()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _key_path():
    return settings.DATA_DIR / "vapid.pem"


def vapid():
    """The installation's VAPID key, made on first use."""
    from py_vapid import Vapid02

    path = _key_path()
    with _lock:
        if not path.exists():
            key = Vapid02()
            key.generate_keys()
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(key.private_pem())
        return Vapid02.from_file(str(path))


def public_key() -> str:
    """The application server key a browser subscribes with (base64url, uncompressed point)."""
    from cryptography.hazmat.primitives import serialization

    raw = vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return _b64url(raw)


def subscribe(*, member: Member, data: dict, user_agent: str = "") -> PushSubscription:
    """Keep a browser's subscription (the JSON of ``PushSubscription.toJSON()``)."""
    endpoint = str(data.get("endpoint") or "")
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    p256dh, auth = str(keys.get("p256dh") or ""), str(keys.get("auth") or "")
    if urlsplit(endpoint).scheme not in ("https", "http"):
        raise ValidationError(_("A push endpoint is an https:// address."))
    try:
        outbound.check_url(endpoint)
        raw_key = base64.urlsafe_b64decode(p256dh + "=" * (-len(p256dh) % 4))
        raw_auth = base64.urlsafe_b64decode(auth + "=" * (-len(auth) % 4))
    except outbound.OutboundRefused as exc:
        raise ValidationError(str(exc)) from exc
    except ValueError as exc:
        raise ValidationError(_("The browser's push keys are not readable.")) from exc
    if len(raw_key) != 65 or len(raw_auth) != 16 or len(endpoint) > 1000:
        raise ValidationError(_("The browser's push keys are not readable."))
    found, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"member": member, "p256dh": p256dh, "auth": auth, "user_agent": user_agent[:200]},
    )
    return found


def send(subscription: PushSubscription, payload: dict) -> bool:
    """Encrypt and deliver one message to one browser; False when it did not arrive."""
    from pywebpush import WebPusher

    data = json.dumps(payload, ensure_ascii=False).encode()[:MAX_PAYLOAD]
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    encoded = WebPusher(info).encode(data, content_encoding="aes128gcm")
    parts = urlsplit(subscription.endpoint)
    claims = {
        "aud": f"{parts.scheme}://{parts.netloc}",
        "exp": int(time.time()) + 12 * 3600,
        "sub": settings.VAPID_CONTACT,
    }
    headers = vapid().sign(claims)
    headers.update({"TTL": str(TTL_SECONDS), "Content-Encoding": "aes128gcm", "Urgency": "normal"})
    headers["Content-Type"] = "application/octet-stream"
    try:
        response = outbound.request(
            "POST",
            subscription.endpoint,
            body=encoded["body"],
            headers=headers,
            max_bytes=16 * 1024,
        )
    except (OSError, outbound.OutboundRefused) as exc:
        PushSubscription.objects.filter(pk=subscription.pk).update(last_error=str(exc)[:300])
        log.warning("Web push failed: %s", exc)
        return False
    if response.status in (404, 410):
        subscription.delete()  # the browser unsubscribed or the subscription expired
        return False
    if response.status >= 300:
        PushSubscription.objects.filter(pk=subscription.pk).update(
            last_error=f"HTTP {response.status}"
        )
        return False
    return True


def notify(member: Member, *, title: str, text: str, url: str) -> int:
    """Every browser of the member where push is on; how many took it."""
    payload = {"title": title, "body": text, "url": url}
    return sum(send(s, payload) for s in PushSubscription.objects.filter(member=member))
