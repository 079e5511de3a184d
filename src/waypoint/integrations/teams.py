"""Microsoft Teams: reminders, digests and alerts as Adaptive Cards, posted to a Teams
workflow ("Post to a channel when a webhook request is received", or to a chat for one
person's own notifications). A card's button opens the page in Waypoint. The post goes
through the outbound policy."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.utils.translation import gettext as _

from waypoint import outbound

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+!|>~-])")


def escape(text: str) -> str:
    """Adaptive Cards read Markdown in text blocks: user text has its markup escaped, so that
    a title cannot become a link or a heading."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def card(title: str, lines: list[str], url: str = "", button: str = "") -> dict:
    """A message holding one Adaptive Card: a bold title, the lines, and a button."""
    body = [
        {
            "type": "TextBlock",
            "text": escape(title),
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    body += [
        {"type": "TextBlock", "text": escape(line), "wrap": True, "spacing": "Small"}
        for line in lines
    ]
    content = {"$schema": CARD_SCHEMA, "type": "AdaptiveCard", "version": "1.4", "body": body}
    if url:
        content["actions"] = [
            {
                "type": "Action.OpenUrl",
                "title": button or _("Open in Waypoint"),
                "url": settings.PUBLIC_URL + url,
            }
        ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": content,
            }
        ],
    }


def post(url: str, message: dict) -> int:
    """Send a card to a workflow address; the status code (202 when Teams took it)."""
    return outbound.post_json(url, json.dumps(message).encode())
