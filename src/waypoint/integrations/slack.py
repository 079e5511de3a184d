"""The Slack app: ``/waypoint`` opens the weekly check-in as a modal (or records lines typed
after it), reminder and alert messages carry buttons, and each person can get their
notifications as direct messages.

Slack sends every command, button press and modal submission to ``/slack/events``, signed
with the app's signing secret; Bolt checks the signature and its age (five minutes) before
anything runs. The workspace links its Slack team in its settings with the bot token of the
app installed there; a Slack user is matched to a member by e-mail address the first time
(``users.info``, scope ``users:read.email``) and kept. Every call to Slack's Web API goes
through the outbound policy like any other connection.
"""

from __future__ import annotations

import functools
import json
import logging
from urllib.parse import urlencode, urljoin

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from waypoint import outbound
from waypoint.okrs.models import CheckIn, KeyResult
from waypoint.okrs.services import CheckInEntry
from waypoint.okrs.templatetags.okrs import num
from waypoint.workspaces import audit
from waypoint.workspaces.models import Member, Workspace

from . import checkin_text, checkins
from .models import SlackLink, SlackUser

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024  # Slack's payloads are a few KB; a modal of 20 key results, ~30 KB
MODAL_KRS = 20  # four blocks each; Slack allows 100 blocks in a modal
OPEN_CHECKIN = "open_checkin"
CHECKIN_VIEW = "checkin"


class SlackError(Exception):
    """Slack's Web API answered ``ok: false`` (the message is its error code)."""


def escape(text: str) -> str:
    """Slack reads &, < and > as markup: user text carries them as entities."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def api(token: str, method: str, **params) -> dict:
    """Call one method of Slack's Web API under the outbound policy."""
    body = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in params.items()}
    response = outbound.request(
        "POST",
        urljoin(settings.SLACK_API_URL, method),
        body=urlencode(body).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "Authorization": f"Bearer {token}",
        },
        max_bytes=512 * 1024,
    )
    try:
        data = json.loads(response.body)
    except ValueError as exc:
        raise SlackError(f"HTTP {response.status}") from exc
    if not isinstance(data, dict) or not data.get("ok"):
        raise SlackError(str(data.get("error") if isinstance(data, dict) else response.status))
    return data


# --- Linking a workspace and its people ------------------------------------------------------


@transaction.atomic
def link_team(*, workspace: Workspace, bot_token: str, actor) -> SlackLink:
    """Link the Slack team whose bot token this is (``auth.test`` says which team)."""
    bot_token = bot_token.strip()
    if not bot_token.startswith("xoxb-"):
        raise ValidationError({"bot_token": _("A bot token starts with “xoxb-”.")})
    try:
        who = api(bot_token, "auth.test")
    except (OSError, outbound.OutboundRefused, SlackError) as exc:
        raise ValidationError(
            {"bot_token": _("Slack did not accept this token: %(error)s") % {"error": exc}}
        ) from exc
    team_id = str(who.get("team_id", ""))
    taken = SlackLink.objects.filter(team_id=team_id).exclude(workspace=workspace).exists()
    if not team_id or taken:
        raise ValidationError(
            {"bot_token": _("This Slack team is already linked to another workspace.")}
        )
    link, _created = SlackLink.objects.update_or_create(
        workspace=workspace,
        defaults={
            "team_id": team_id,
            "team_name": str(who.get("team", ""))[:200],
            "bot_token": bot_token,
            "bot_user_id": str(who.get("user_id", ""))[:32],
            "linked_by": actor,
        },
    )
    SlackUser.objects.filter(workspace=workspace).delete()  # people of an earlier team
    audit.record(
        workspace=workspace,
        actor=actor,
        action="slack.link",
        obj=link,
        after={"team_id": team_id, "team_name": link.team_name},
    )
    return link


@transaction.atomic
def unlink_team(*, workspace: Workspace, actor) -> None:
    link = SlackLink.objects.filter(workspace=workspace).first()
    if link is None:
        return
    audit.record(
        workspace=workspace,
        actor=actor,
        action="slack.unlink",
        obj=link,
        before={"team": str(link)},
    )
    SlackUser.objects.filter(workspace=workspace).delete()
    link.delete()


def member_for(link: SlackLink, slack_user_id: str) -> Member | None:
    """The member a Slack user is: remembered, or found once by their Slack e-mail address."""
    known = (
        SlackUser.objects.filter(workspace=link.workspace, slack_user_id=slack_user_id)
        .select_related("member__user", "member__workspace")
        .first()
    )
    if known is not None:
        return known.member
    try:
        profile = api(link.bot_token, "users.info", user=slack_user_id)["user"]["profile"]
    except (OSError, outbound.OutboundRefused, SlackError, KeyError, TypeError) as exc:
        log.warning("Slack users.info failed for %s: %s", link.team_id, exc)
        return None
    address = str(profile.get("email") or "")
    member = (
        Member.objects.filter(workspace=link.workspace, user__email__iexact=address)
        .select_related("user", "workspace")
        .first()
        if address
        else None
    )
    if member is not None:
        SlackUser.objects.update_or_create(
            member=member, defaults={"workspace": link.workspace, "slack_user_id": slack_user_id}
        )
    return member


# --- The check-in modal ----------------------------------------------------------------------


def _plain(text: str, limit: int = 150) -> dict:
    text = str(text)
    return {"type": "plain_text", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def _option(value: str, label: str) -> dict:
    return {"text": _plain(label, 75), "value": value}


def checkin_modal(member: Member, krs: list[KeyResult]) -> dict:
    """The modal: for each key result its value (done / not done for a milestone), its
    confidence and a comment, prefilled with the last check-in."""
    confidences = [_option(v, str(label)) for v, label in CheckIn.Confidence.choices]
    blocks: list[dict] = []
    for kr in krs[:MODAL_KRS]:
        now = num(kr.current_value)
        unit = f" {kr.unit}" if kr.unit else ""
        target = "" if kr.target is None else f" → {num(kr.target)}{unit}"
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*{escape(kr.title)}*\n{escape(now + unit + target)}",
                },
            }
        )
        if kr.type == KeyResult.Type.MILESTONE:
            choices = [_option("1", _("Done")), _option("0", _("Not done"))]
            element = {"type": "static_select", "action_id": "value", "options": choices}
            element["initial_option"] = choices[0 if kr.current_value == 1 else 1]
        else:
            element = {"type": "number_input", "action_id": "value", "is_decimal_allowed": True}
            if kr.current_value is not None:
                element["initial_value"] = f"{kr.current_value:g}"
        blocks.append(
            {
                "type": "input",
                "block_id": f"kr{kr.pk}-value",
                "optional": kr.type != KeyResult.Type.MILESTONE,
                "label": _plain(_("New value")),
                "element": element,
            }
        )
        current = kr.current_confidence or CheckIn.Confidence.ON_TRACK
        blocks.append(
            {
                "type": "input",
                "block_id": f"kr{kr.pk}-confidence",
                "label": _plain(_("Confidence")),
                "element": {
                    "type": "static_select",
                    "action_id": "confidence",
                    "options": confidences,
                    "initial_option": next(o for o in confidences if o["value"] == current),
                },
            }
        )
        blocks.append(
            {
                "type": "input",
                "block_id": f"kr{kr.pk}-comment",
                "optional": True,
                "label": _plain(_("Comment")),
                "element": {"type": "plain_text_input", "action_id": "comment", "max_length": 2000},
            }
        )
    if not blocks:
        blocks.append(
            {"type": "section", "text": _plain(_("You have no key results to check in."))}
        )
    return {
        "type": "modal",
        "callback_id": CHECKIN_VIEW,
        "title": _plain(_("Weekly check-in"), 24),
        "submit": _plain(_("Save all"), 24),
        "close": _plain(_("Cancel"), 24),
        "private_metadata": json.dumps({"k": [kr.pk for kr in krs[:MODAL_KRS]]}),
        "blocks": blocks,
    }


def read_modal(values: dict, krs: list[KeyResult]) -> tuple[list[CheckInEntry], dict]:
    """The check-ins a submitted modal holds, and errors by block for Slack to show."""
    entries, errors = [], {}
    for kr in krs:
        raw = values.get(f"kr{kr.pk}-value", {}).get("value", {})
        picked = raw.get("selected_option") or {}
        value = picked.get("value") if picked else raw.get("value")
        if value in (None, ""):
            continue  # left empty: nothing to record for it
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[f"kr{kr.pk}-value"] = _("Enter a number.")
            continue
        chosen = values.get(f"kr{kr.pk}-confidence", {}).get("confidence", {})
        confidence = (chosen.get("selected_option") or {}).get("value") or (
            kr.current_confidence or CheckIn.Confidence.ON_TRACK
        )
        comment = values.get(f"kr{kr.pk}-comment", {}).get("comment", {}).get("value") or ""
        entries.append(
            CheckInEntry(key_result=kr, value=number, confidence=confidence, comment=comment[:2000])
        )
    return entries, errors


def _summary(saved, problems) -> str:
    lines = []
    if saved:
        lines.append(
            ngettext("%(count)s check-in saved.", "%(count)s check-ins saved.", len(saved))
            % {"count": len(saved)}
        )
        lines += [
            f"• {escape(c.key_result.title)}: {num(c.value)} ({escape(c.get_confidence_display())})"
            for c in saved
        ]
    if problems:
        lines.append(_("Could not read:"))
        lines += [f"• “{escape(line)}”: {escape(why)}" for line, why in problems]
    return "\n".join(lines)


# --- What Slack sends ------------------------------------------------------------------------


def _link_of(team_id: str | None) -> SlackLink | None:
    if not team_id:
        return None
    return SlackLink.objects.select_related("workspace").filter(team_id=team_id).first()


def _authorize(enterprise_id, team_id, user_id):
    """Always a result, token or not: a team that is not linked is answered by the
    listeners in the request's own response. (Were it refused here, Bolt would answer
    through the request's response_url itself, a connection outside the outbound policy.)"""
    from slack_bolt.authorization import AuthorizeResult

    link = _link_of(team_id)
    return AuthorizeResult(
        enterprise_id=enterprise_id,
        team_id=team_id,
        bot_token=link.bot_token if link else None,
        bot_user_id=(link.bot_user_id or None) if link else None,
        user_id=user_id,
    )


def _not_member(link: SlackLink) -> str:
    return _(
        "Your Slack account's e-mail address is not a member of the Waypoint workspace "
        "“%(workspace)s”. Ask its admin to invite that address."
    ) % {"workspace": link.workspace.name}


def _open_modal(link: SlackLink, member: Member, trigger_id: str) -> None:
    api(
        link.bot_token,
        "views.open",
        trigger_id=trigger_id,
        view=checkin_modal(member, checkins.sheet(member)),
    )


def on_command(ack, command):
    link = _link_of(command.get("team_id"))
    with translation.override(link.workspace.language if link else settings.LANGUAGE_CODE):
        if link is None:
            return ack(_("This Slack team is not linked to a Waypoint workspace."))
        member = member_for(link, command.get("user_id", ""))
        if member is None:
            return ack(_not_member(link))
        text = (command.get("text") or "").strip()
        if text.casefold() in ("", "checkin", "check-in", "check in"):
            try:
                _open_modal(link, member, command.get("trigger_id", ""))
            except (OSError, outbound.OutboundRefused, SlackError) as exc:
                log.warning("Slack views.open failed for %s: %s", link.team_id, exc)
                return ack(_("Slack did not open the check-in. Try again in a moment."))
            return ack()
        if text.casefold() == "help":
            return ack(_help(member))
        lines = text.replace(";", "\n")
        krs = checkins.sheet(member)
        saved, problems = checkins.record(member, checkin_text.read(lines, krs))
        return ack(_summary(saved, problems) or _help(member))


def _help(member: Member) -> str:
    return _(
        "`/waypoint` opens your weekly check-in. Or type it: `/waypoint %(example)s` "
        "(several key results: separate them with “;”)."
    ) % {"example": escape(checkin_text.example(checkins.sheet(member)))}


def on_open_checkin(ack, body):
    ack()
    link = _link_of((body.get("team") or {}).get("id"))
    if link is None:
        return
    with translation.override(link.workspace.language):
        member = member_for(link, (body.get("user") or {}).get("id", ""))
        if member is None:
            return
        try:
            _open_modal(link, member, body.get("trigger_id", ""))
        except (OSError, outbound.OutboundRefused, SlackError) as exc:
            log.warning("Slack views.open failed for %s: %s", link.team_id, exc)


def on_checkin_submit(ack, body, view):
    link = _link_of((body.get("team") or {}).get("id") or view.get("team_id"))
    if link is None:
        return ack()
    with translation.override(link.workspace.language):
        member = member_for(link, (body.get("user") or {}).get("id", ""))
        if member is None:
            return ack(response_action="errors", errors={})
        try:
            wanted = set(json.loads(view.get("private_metadata") or "{}").get("k", []))
        except (ValueError, AttributeError):
            wanted = set()
        krs = [kr for kr in checkins.sheet(member) if kr.pk in wanted]  # only the member's
        entries, errors = read_modal((view.get("state") or {}).get("values") or {}, krs)
        if errors:
            return ack(response_action="errors", errors=errors)
        from waypoint.okrs import services as okr_services

        try:
            saved = okr_services.checkins_record(
                entries=entries, date=member.workspace.today(), author=member, actor=member.user
            )
        except ValidationError as exc:
            errors = {
                (
                    key
                    if key.endswith(("-value", "-confidence", "-comment"))
                    else key.partition("-")[0] + "-value"
                ): " ".join(messages)
                for key, messages in exc.message_dict.items()
            }
            return ack(response_action="errors", errors=errors)
        ack()
        try:
            dm(link, member, _summary(saved, []))
        except (OSError, outbound.OutboundRefused, SlackError) as exc:
            log.warning("Slack confirmation failed for %s: %s", link.team_id, exc)


@functools.lru_cache(maxsize=4)
def bolt_app(signing_secret: str):
    from slack_bolt import App

    app = App(
        signing_secret=signing_secret,
        authorize=_authorize,
        token_verification_enabled=False,
        process_before_response=True,  # the listener runs inside the request
        url_verification_enabled=True,
        logger=log,
    )
    app.command("/waypoint")(on_command)
    app.action(OPEN_CHECKIN)(on_open_checkin)
    app.view(CHECKIN_VIEW)(on_checkin_submit)
    app.action("open_link")(lambda ack: ack())  # a link button: Slack opens it itself
    return app


@csrf_exempt
@require_POST
def events(request):
    """Slack's one Request URL for commands, interactivity and events."""
    if not settings.SLACK_SIGNING_SECRET:
        return HttpResponse(_("The Slack app is not set up on this server."), status=404)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY or len(request.body) > MAX_BODY:
        return HttpResponse(_("The request is too large."), status=413)
    from slack_bolt.adapter.django import SlackRequestHandler

    return SlackRequestHandler(bolt_app(settings.SLACK_SIGNING_SECRET)).handle(request)


# --- Messages out ----------------------------------------------------------------------------


def dm(link: SlackLink, member: Member, text: str, blocks: list | None = None) -> bool:
    """A direct message from the app to a member whose Slack account is known."""
    known = SlackUser.objects.filter(member=member, workspace=link.workspace).first()
    if known is None:
        return False
    params = {"channel": known.slack_user_id, "text": text}
    if blocks:
        params["blocks"] = blocks
    api(link.bot_token, "chat.postMessage", **params)
    return True


def message_blocks(
    text: str, url: str, *, checkin: bool = False, escaped: bool = False
) -> list[dict]:
    """A notification as Slack blocks: its text, a button to open it in Waypoint and, for a
    check-in reminder, one that opens the check-in modal right in Slack."""
    buttons = []
    if checkin:
        buttons.append(
            {
                "type": "button",
                "action_id": OPEN_CHECKIN,
                "style": "primary",
                "text": _plain(_("Check in"), 75),
                "value": "checkin",
            }
        )
    if url:
        buttons.append(
            {
                "type": "button",
                "action_id": "open_link",
                "text": _plain(_("Open in Waypoint"), 75),
                "url": settings.PUBLIC_URL + url,
            }
        )
    shown = text if escaped else escape(text)
    blocks: list[dict] = [{"type": "section", "text": {"type": "mrkdwn", "text": shown[:3000]}}]
    if buttons:
        blocks.append({"type": "actions", "elements": buttons})
    return blocks


def checkin_url(workspace: Workspace) -> str:
    return reverse("okrs:checkin", args=[workspace.slug])
