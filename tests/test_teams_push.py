"""Microsoft Teams cards and web push, delivered to local servers started here; the installable
app (manifest, service worker, offline page) in a real browser."""

import base64
import datetime as dt
import json
import os
import stat

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from waypoint.integrations import notifications as n
from waypoint.integrations import push
from waypoint.integrations.models import NotificationPrefs, PushSubscription
from waypoint.okrs import services as okr

from .test_webhooks import Receiver


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def stale(workspace, teammate, now_cycle):
    cycle = now_cycle
    o = okr.objective_create(
        workspace=workspace, cycle=cycle, title="Customers stay", owner=teammate, actor=None
    )
    return okr.key_result_create(
        objective=o,
        title="NPS [up](https://evil.test) **now**",
        start=40,
        target=60,
        owner=teammate,
        actor=None,
    )


def next_monday(workspace):
    today = workspace.today()
    return today + dt.timedelta(days=7 - today.weekday())


def cards(receiver):
    return [json.loads(body) for _headers, body in receiver.requests]


def test_reminders_and_alerts_reach_the_teams_channel_as_adaptive_cards(
    workspace, teammate, stale, receiver, client, owner
):
    client.force_login(owner.user)
    settings_page = f"/w/{workspace.slug}/settings/"
    form = {"name": "Acme", "time_zone": "UTC", "language": "en", "brand_colour": "#1d4ed8"}
    client.post(settings_page, form | {"teams_webhook_url": receiver.url})
    workspace.refresh_from_db()
    assert workspace.teams_webhook_url == receiver.url
    n.weekly_reminders(workspace, next_monday(workspace))
    (message,) = cards(receiver)
    assert message["type"] == "message"
    (attachment,) = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    texts = [block["text"] for block in card["body"]]
    assert texts[0] == "Check\\-ins due this week:"
    assert any("Tess Teammate: 1" in t for t in texts)
    (action,) = card["actions"]
    assert action["type"] == "Action.OpenUrl" and action["url"].endswith("/w/acme/checkin/")


def test_a_members_own_teams_chat_gets_their_notifications_escaped(
    workspace, teammate, stale, receiver, client
):
    client.force_login(teammate.user)
    client.post(
        f"/w/{workspace.slug}/notifications/",
        {"mention-app": "on", "mention-teams": "on", "teams_url": receiver.url},
    )
    assert NotificationPrefs.objects.get(member=teammate).teams_url == receiver.url
    n.notify(
        workspace=workspace,
        recipients=[teammate],
        kind="mention",
        key="k1",
        text=f"You were mentioned on “{stale.title}”",
        url="/w/acme/",
        subject="Mention",
    )
    (message,) = cards(receiver)
    body = message["attachments"][0]["content"]["body"]
    assert body[1]["text"] == (
        "You were mentioned on “NPS \\[up\\]\\(https://evil.test\\) \\*\\*now\\*\\*”"
    )


def test_an_internal_teams_address_is_refused(client, workspace, owner, settings):
    settings.OUTBOUND_ALLOW = []
    client.force_login(owner.user)
    form = {"name": "Acme", "time_zone": "UTC", "language": "en", "brand_colour": "#1d4ed8"}
    response = client.post(
        f"/w/{workspace.slug}/settings/", form | {"teams_webhook_url": "http://127.0.0.1:9/x"}
    )
    assert response.status_code in (200, 422) and "loopback" in response.content.decode().lower()
    workspace.refresh_from_db()
    assert workspace.teams_webhook_url == ""


# --- Web push ---------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Browser:
    """What a browser holds for a push subscription: its ECDH key pair and auth secret."""

    def __init__(self, endpoint):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.subscription = {
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64(public), "auth": b64(self.auth)},
        }

    def decrypt(self, body: bytes) -> dict:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


def check_vapid(header: str, endpoint: str) -> dict:
    """The push service's check: a JWT signed with ES256 by the key in ``k``, for its origin."""
    scheme, _sp, params = header.partition(" ")
    assert scheme == "vapid"
    fields = dict(part.split("=", 1) for part in params.split(","))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(fields["k"]))
    head, claims, signature = fields["t"].split(".")
    raw = unb64(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    decoded = json.loads(unb64(claims))
    assert endpoint.startswith(decoded["aud"]) and decoded["sub"].startswith("mailto:")
    assert fields["k"] == push.public_key()
    return decoded


def test_a_mention_arrives_by_web_push_encrypted_and_signed(
    client, workspace, teammate, receiver, settings
):
    browser = Browser(receiver.url)
    client.force_login(teammate.user)
    response = client.post(
        f"/w/{workspace.slug}/notifications/push/",
        json.dumps(browser.subscription),
        content_type="application/json",
    )
    assert response.status_code == 201
    told = n.notify(
        workspace=workspace,
        recipients=[teammate],
        kind="mention",
        key="push-1",
        text="Olivia mentioned you on “Customers stay”",
        url="/w/acme/objectives/1/#comments",
        subject="Olivia mentioned you",
    )
    assert told == 1
    ((headers, body),) = receiver.requests
    assert headers["Content-Encoding"] == "aes128gcm" and int(headers["TTL"]) > 0
    check_vapid(headers["Authorization"], receiver.url)
    assert browser.decrypt(body) == {
        "title": "Olivia mentioned you",
        "body": "Olivia mentioned you on “Customers stay”",
        "url": "/w/acme/objectives/1/#comments",
    }
    # The key pair lives in the data directory, readable by its owner only, and is reused.
    key_file = settings.DATA_DIR / "vapid.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = push.public_key()
    assert push.public_key() == first


def test_a_subscription_the_push_service_says_is_gone_is_forgotten(
    client, workspace, teammate, receiver
):
    browser = Browser(receiver.url)
    client.force_login(teammate.user)
    client.post(
        f"/w/{workspace.slug}/notifications/push/",
        json.dumps(browser.subscription),
        content_type="application/json",
    )
    receiver.status = 410
    assert push.notify(teammate, title="t", text="x", url="/") == 0
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "subscription",
    [
        {"endpoint": "http://169.254.169.254/latest", "keys": {"p256dh": "", "auth": ""}},
        {"endpoint": "file:///etc/passwd", "keys": {}},
        {"endpoint": "https://push.example.test/x", "keys": {"p256dh": "AAAA", "auth": "BBBB"}},
        ["not", "an", "object"],
    ],
)
def test_a_bad_subscription_is_refused_with_a_message(client, workspace, teammate, subscription):
    client.force_login(teammate.user)
    response = client.post(
        f"/w/{workspace.slug}/notifications/push/",
        json.dumps(subscription),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["error"]
    assert not PushSubscription.objects.exists()


# --- The installable app ----------------------------------------------------------------------


def test_the_manifest_service_worker_icons_and_offline_page(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"] == "application/manifest+json"
    data = manifest.json()
    assert data["display"] == "standalone" and data["start_url"] == "/"
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    from PIL import Image

    for size in (192, 512):
        png = client.get(f"/icons/{size}.png")
        image = Image.open(__import__("io").BytesIO(png.content))
        assert (image.format, image.size) == ("PNG", (size, size))
    assert client.get("/icons/64.png").status_code == 404
    worker = client.get("/sw.js")
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert b'"/offline/"' in worker.content and b"showNotification" in worker.content
    assert b"You are offline" in client.get("/offline/").content


@pytest.mark.django_db(transaction=True)
def test_the_app_installs_a_service_worker_and_shows_its_offline_page(page, live_server):
    page.goto(live_server.url + "/accounts/login/")
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.active !== null)")
    page.reload()  # now controlled by the worker
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    try:
        page.goto(live_server.url + "/w/acme/checkin/")
        assert "You are offline" in page.content()
    finally:
        page.context.set_offline(False)
