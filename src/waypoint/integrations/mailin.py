"""Check-ins by replying to the reminder e-mail.

The reminder's Reply-To is ``WAYPOINT_INBOUND_EMAIL`` with the reader's token after a "+"
(``checkin+12-k3j4h5g6f7d8s9a0@in.example.com``). A reply is accepted only when that token
is genuine *and* the sender is the member it names, so neither a guessed address nor a forged
From records anything. Replies arrive through the mail provider's inbound webhook (Postmark,
SendGrid Inbound Parse, Mailgun routes, or the raw message) or the IMAP poller; each is read
once (its Message-ID), and the writer gets a reply naming what was recorded and what could
not be read.
"""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import hashlib
import hmac
import imaplib
import logging
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.mail import EmailMessage as DjangoMail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from waypoint.okrs.templatetags.okrs import num
from waypoint.workspaces.models import Member

from . import checkin_text, checkins
from .models import InboundMail

log = logging.getLogger(__name__)
MAX_MESSAGE_BYTES = 1024 * 1024
IMAP_BATCH = 50  # messages read per poll
IMAP_TIMEOUT = 20


# --- Addresses ----------------------------------------------------------------------------


def _signature(member_pk: int) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"checkin-reply:{member_pk}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest).decode().lower()[:16]


def reply_address(member: Member) -> str | None:
    """Where this member's replies go, or None when the installation takes no replies."""
    if not settings.INBOUND_EMAIL or "@" not in settings.INBOUND_EMAIL:
        return None
    local, _at, domain = settings.INBOUND_EMAIL.partition("@")
    return f"{local}+{member.pk}-{_signature(member.pk)}@{domain}"


def member_of(addresses: list[str]) -> Member | None:
    """The member whose genuine token is in one of these addresses."""
    for address in addresses:
        local = address.partition("@")[0]
        token = local.partition("+")[2].lower()
        pk, _dash, signature = token.partition("-")
        if pk.isdigit() and hmac.compare_digest(signature, _signature(int(pk))):
            return Member.objects.select_related("workspace", "user").filter(pk=int(pk)).first()
    return None


# --- One reply ----------------------------------------------------------------------------


def handle(*, sender: str, recipients: list[str], text: str, message_id: str) -> str:
    """Read one reply and answer it. Returns what happened: recorded, unknown (no genuine
    token), forged (the sender is not the token's member), duplicate."""
    member = member_of(recipients)
    if member is None:
        log.info("Inbound mail without a check-in token ignored")
        return "unknown"
    if parseaddr(sender)[1].casefold() != member.user.email.casefold():
        log.warning("Inbound mail for member %s from another address ignored", member.pk)
        return "forged"
    message_id = (message_id or make_msgid()).strip()[:250]
    try:
        with transaction.atomic():
            row = InboundMail.objects.create(message_id=message_id, member=member)
    except IntegrityError:
        return "duplicate"
    with translation.override(member.workspace.language):
        krs = checkins.sheet(member)
        reading = checkin_text.read(text, krs)
        saved, problems = checkins.record(member, reading)
        InboundMail.objects.filter(pk=row.pk).update(recorded=len(saved), problems=len(problems))
        _answer(member, krs, saved, problems, reading.empty)
    return "recorded"


def _answer(member, krs, saved, problems, empty: bool) -> None:
    lines = []
    if saved:
        lines.append(
            ngettext("%(count)s check-in recorded:", "%(count)s check-ins recorded:", len(saved))
            % {"count": len(saved)}
        )
        for checkin in saved:
            kr = checkin.key_result
            lines.append(
                f"- {kr.title}: {num(checkin.value)}{(' ' + kr.unit) if kr.unit else ''}, "
                f"{checkin.get_confidence_display()}"
                + (f" ({checkin.comment})" if checkin.comment else "")
            )
    if problems:
        lines += ["", _("Could not read:")]
        lines += [f"- “{line}”: {why}" for line, why in problems]
    if empty or problems:
        lines += ["", help_text(krs)]
    checkin_url = settings.PUBLIC_URL + reverse("okrs:checkin", args=[member.workspace.slug])
    lines += ["", _("The check-in page: %(url)s") % {"url": checkin_url}]
    subject = _("Check-ins recorded") if saved and not problems else _("Your check-in needs a look")
    DjangoMail(
        f"[Waypoint] {subject}",
        "\n".join(lines),
        settings.DEFAULT_FROM_EMAIL,
        [member.user.email],
        reply_to=[reply_address(member)] if reply_address(member) else None,
    ).send()


def sheet_text(krs) -> str:
    """The numbered list a reminder shows, so that a reply can say "2. 61"."""
    out = []
    for i, kr in enumerate(krs, 1):
        now = num(kr.current_value)
        unit = f" {kr.unit}" if kr.unit else ""
        out.append(f"{i}. {kr.title}: {now}{unit}")
    return "\n".join(out)


def help_text(krs) -> str:
    return _(
        "Reply with one line per key result: its number or title, the new value, then if you "
        "like a confidence (on track, at risk, off track) and a comment. For example:\n%(example)s"
    ) % {"example": checkin_text.example(krs)}


# --- What the mail providers send ----------------------------------------------------------


def from_message(raw: bytes) -> dict:
    """A whole message (RFC 5322): sender, recipients, plain text and Message-ID."""
    message = email.message_from_bytes(raw[:MAX_MESSAGE_BYTES], policy=email.policy.default)
    recipients = [
        address
        for _name, address in getaddresses(
            [str(message.get(h, "")) for h in ("To", "Cc", "Delivered-To", "X-Original-To")]
        )
    ]
    body = (
        message.get_body(preferencelist=("plain",)) if isinstance(message, EmailMessage) else None
    )
    text = ""
    if body is not None:
        try:
            text = body.get_content()
        except (LookupError, ValueError):
            text = ""
    return {
        "sender": str(message.get("From", "")),
        "recipients": recipients,
        "text": text,
        "message_id": str(message.get("Message-ID", "")),
    }


def from_webhook(content_type: str, body: bytes, form) -> dict | None:
    """The same four things from an inbound-mail webhook: Postmark's JSON, SendGrid's or
    Mailgun's form, or a raw message. None when the request is none of them."""
    import json

    kind = content_type.split(";")[0].strip().lower()
    if kind in ("message/rfc822", "text/plain") and body:
        return from_message(body)
    if kind == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        headers = {
            str(h.get("Name", "")).lower(): str(h.get("Value", ""))
            for h in data.get("Headers") or []
            if isinstance(h, dict)
        }
        recipients = [
            str(r.get("Email", "")) for r in data.get("ToFull") or [] if isinstance(r, dict)
        ] or [a for _n, a in getaddresses([str(data.get("To", ""))])]
        return {
            "sender": str(data.get("From", "")),
            "recipients": recipients,
            "text": str(data.get("TextBody") or ""),
            "message_id": headers.get("message-id") or str(data.get("MessageID", "")),
        }
    if form is not None and ("body-plain" in form or "text" in form or "email" in form):
        if "email" in form and "text" not in form:  # SendGrid with "send raw"
            return from_message(form["email"].encode())
        to = form.get("recipient") or form.get("to") or form.get("To") or ""
        headers = form.get("message-headers") or form.get("headers") or ""
        message_id = form.get("Message-Id") or ""
        if not message_id and headers:
            for line in str(headers).splitlines():
                if line.lower().startswith("message-id:"):
                    message_id = line.split(":", 1)[1].strip()
        return {
            "sender": form.get("sender") or form.get("from") or form.get("From") or "",
            "recipients": [a for _n, a in getaddresses([to])],
            "text": form.get("body-plain") or form.get("text") or "",
            "message_id": message_id,
        }
    return None


# --- The IMAP poller ----------------------------------------------------------------------


def poll_imap(url: str | None = None) -> int:
    """Read the unread messages of the mailbox in ``WAYPOINT_INBOUND_IMAP_URL`` (at most
    ``IMAP_BATCH``), answer each, and mark it read. A message is marked only after it was
    handled; one handled before a crash is not recorded twice (its Message-ID)."""
    url = url or settings.INBOUND_IMAP_URL
    if not url:
        return 0
    parts = urlsplit(url)
    secure = parts.scheme == "imaps"
    port = parts.port or (993 if secure else 143)
    kind = imaplib.IMAP4_SSL if secure else imaplib.IMAP4
    conn = kind(parts.hostname, port, timeout=IMAP_TIMEOUT)
    handled = 0
    try:
        conn.login(unquote(parts.username or ""), unquote(parts.password or ""))
        mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
        status, _data = conn.select(mailbox)
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open mailbox {mailbox}")
        status, data = conn.search(None, "UNSEEN")
        numbers = (data[0] or b"").split()[:IMAP_BATCH] if status == "OK" else []
        for number in numbers:
            status, parts_ = conn.fetch(number, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts_ or [] if isinstance(p, tuple)), None)
            if status == "OK" and raw is not None:
                handle(**from_message(raw[:MAX_MESSAGE_BYTES]))
                handled += 1
            conn.store(number, "+FLAGS", "(\\Seen)")
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            conn.logout()
    return handled
