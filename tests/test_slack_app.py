"""The Slack app, driven the way Slack drives it: requests signed by the test with the app's
signing secret, and a local HTTP server standing in for Slack's Web API."""

import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading
import time
from urllib.parse import parse_qs, urlencode

import pytest

from waypoint.integrations import notifications as n
from waypoint.integrations.models import SlackLink, SlackUser
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


class FakeSlack:
    """Slack's Web API on 127.0.0.1: answers auth.test, users.info, views.open and
    chat.postMessage, and keeps every call (method, token, parameters)."""

    def __init__(self, emails):
        self.calls = []
        self.emails = emails
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                params = {k: v[0] for k, v in parse_qs(body).items()}
                method = self.path.rsplit("/", 1)[-1]
                outer.calls.append((method, self.headers.get("Authorization"), params))
                answer = {"ok": True}
                if method == "auth.test":
                    if self.headers.get("Authorization") != "Bearer xoxb-good":
                        answer = {"ok": False, "error": "invalid_auth"}
                    else:
                        answer |= {"team_id": "T0ACME", "team": "Acme Slack", "user_id": "UBOT"}
                elif method == "users.info":
                    email = outer.emails.get(params.get("user"))
                    answer |= {"user": {"id": params.get("user"), "profile": {"email": email}}}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, method):
        return [params for m, _token, params in self.calls if m == method]


@pytest.fixture
def fake_slack(settings, owner, teammate):
    fake = FakeSlack({"UOWNER": owner.user.email, "UTESS": teammate.user.email.upper()})
    settings.SLACK_API_URL = fake.url
    settings.SLACK_SIGNING_SECRET = SECRET
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    yield fake
    fake.server.shutdown()


@pytest.fixture
def current(workspace, owner, teammate, now_cycle):
    today, cycle = workspace.today(), now_cycle
    o = okr.objective_create(
        workspace=workspace, cycle=cycle, title="Customers stay", owner=teammate, actor=None
    )
    nps = okr.key_result_create(
        objective=o, title="NPS from 40 to 60", start=40, target=60, owner=teammate, actor=None
    )
    launch = okr.key_result_create(
        objective=o, title="Launch the help centre", type="milestone", owner=teammate, actor=None
    )
    okr.checkin_create(
        key_result=nps,
        date=today - dt.timedelta(days=8),
        value=52,
        confidence="at_risk",
        actor=None,
    )
    others = okr.objective_create(
        workspace=workspace, cycle=cycle, title="Owner's own", owner=owner, actor=None
    )
    foreign = okr.key_result_create(
        objective=others, title="Revenue 1M", start=0, target=1, owner=owner, actor=None
    )
    return {"cycle": cycle, "nps": nps, "launch": launch, "foreign": foreign}


@pytest.fixture
def linked(workspace, owner, fake_slack):
    from waypoint.integrations import slack

    return slack.link_team(workspace=workspace, bot_token="xoxb-good", actor=owner.user)


def signed(client, body: str, *, secret=SECRET, age=0, content_type=None):
    ts = str(int(time.time()) - age)
    signature = (
        "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    )
    return client.post(
        "/slack/events",
        data=body,
        content_type=content_type or "application/x-www-form-urlencoded",
        HTTP_X_SLACK_REQUEST_TIMESTAMP=ts,
        HTTP_X_SLACK_SIGNATURE=signature,
    )


def command(text="", user="UTESS", team="T0ACME"):
    return urlencode(
        {
            "command": "/waypoint",
            "text": text,
            "team_id": team,
            "user_id": user,
            "trigger_id": "13345224609.738474920.8088930838d88f008e0",
            "response_url": "https://hooks.slack.invalid/commands/1",
            "token": "legacy",
        }
    )


def said(response) -> str:
    """What the app answered a command with: plain text, or JSON with a text."""
    body = response.content.decode()
    try:
        return json.loads(body)["text"]
    except (ValueError, KeyError, TypeError):
        return body


def interaction(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


def test_an_admin_links_the_slack_team_with_its_bot_token(client, workspace, owner, fake_slack):
    client.force_login(owner.user)
    url = f"/w/{workspace.slug}/settings/slack/"
    wrong = client.post(url, {"bot_token": "xoxb-revoked"})
    assert wrong.status_code == 422 and "invalid_auth" in wrong.content.decode()
    assert not SlackLink.objects.exists()
    response = client.post(url, {"bot_token": "xoxb-good"})
    assert response.status_code == 302
    link = SlackLink.objects.get(workspace=workspace)
    assert (link.team_id, link.team_name, link.bot_user_id) == ("T0ACME", "Acme Slack", "UBOT")
    page = client.get(url).content.decode()
    assert "Acme Slack" in page and "xoxb-good" not in page  # the token is never shown back
    # Encrypted at rest, like the data sources' credentials.
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT * FROM integrations_slacklink")
        assert "xoxb-good" not in str(cur.fetchall())
    assert link.bot_token == "xoxb-good"


def test_a_signed_slash_command_opens_the_check_in_modal(client, current, linked, fake_slack):
    response = signed(client, command())
    assert response.status_code == 200
    (opened,) = fake_slack.of("views.open")
    assert opened["trigger_id"].startswith("13345224609")
    view = json.loads(opened["view"])
    assert view["callback_id"] == "checkin" and view["type"] == "modal"
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    nps = current["nps"].pk
    assert blocks[f"kr{nps}-value"]["element"]["initial_value"] == "52"  # its last value
    assert blocks[f"kr{nps}-confidence"]["element"]["initial_option"]["value"] == "at_risk"
    launch = blocks[f"kr{current['launch'].pk}-value"]["element"]
    assert launch["type"] == "static_select"  # a milestone is done / not done, not a number
    assert f"kr{current['foreign'].pk}-value" not in blocks  # only the member's own
    # The Slack user was found by e-mail address (case aside) once, and is remembered.
    assert SlackUser.objects.get(slack_user_id="UTESS").member == current["nps"].owner
    signed(client, command())
    assert len(fake_slack.of("users.info")) == 1


def modal_state(current, **values):
    nps, launch = current["nps"].pk, current["launch"].pk
    return {
        f"kr{nps}-value": {"value": {"type": "number_input", "value": values.get("nps", "57")}},
        f"kr{nps}-confidence": {
            "confidence": {"selected_option": {"value": values.get("confidence", "on_track")}}
        },
        f"kr{nps}-comment": {"comment": {"value": "CRM <fixed> & live"}},
        f"kr{launch}-value": {"value": {"selected_option": {"value": values.get("launch", "1")}}},
        f"kr{launch}-confidence": {"confidence": {"selected_option": {"value": "on_track"}}},
        f"kr{launch}-comment": {"comment": {"value": None}},
    }


def submission(current, keys=None, user="UTESS", **values):
    keys = keys or [current["nps"].pk, current["launch"].pk]
    return interaction(
        {
            "type": "view_submission",
            "team": {"id": "T0ACME"},
            "user": {"id": user},
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": "checkin",
                "private_metadata": json.dumps({"k": keys}),
                "state": {"values": modal_state(current, **values)},
            },
        }
    )


def test_a_submitted_modal_records_the_check_ins(client, current, linked, fake_slack):
    signed(client, command())  # links UTESS
    response = signed(client, submission(current))
    assert response.status_code == 200 and response.content in (b"", b"{}")
    nps = CheckIn.objects.filter(key_result=current["nps"]).latest("id")
    assert (nps.value, nps.confidence, nps.comment) == (57, "on_track", "CRM <fixed> & live")
    assert nps.author == current["nps"].owner
    assert CheckIn.objects.get(key_result=current["launch"]).value == 1
    (dm,) = fake_slack.of("chat.postMessage")
    assert dm["channel"] == "UTESS" and "2 check-ins saved" in dm["text"]
    assert "CRM &lt;fixed&gt;" not in dm["text"]  # the summary names titles, escaped
    assert "NPS from 40 to 60" in dm["text"]


def test_a_bad_value_comes_back_as_an_error_at_its_field(client, current, linked, fake_slack):
    signed(client, command())
    response = signed(client, submission(current, launch="7"))  # a milestone is 0 or 1
    answer = json.loads(response.content)
    assert answer["response_action"] == "errors"
    assert f"kr{current['launch'].pk}-value" in answer["errors"]
    assert CheckIn.objects.filter(key_result=current["launch"]).count() == 0  # nothing saved
    assert CheckIn.objects.filter(key_result=current["nps"]).count() == 1  # only the old one


def test_a_tampered_modal_cannot_touch_someone_elses_key_result(
    client, current, linked, fake_slack
):
    signed(client, command())
    foreign = current["foreign"]
    body = json.loads(parse_qs(submission(current))["payload"][0])
    body["view"]["private_metadata"] = json.dumps({"k": [foreign.pk]})
    body["view"]["state"]["values"][f"kr{foreign.pk}-value"] = {"value": {"value": "1"}}
    signed(client, interaction(body))
    assert not CheckIn.objects.filter(key_result=foreign).exists()


@pytest.mark.parametrize("how", ["unsigned", "stale", "wrong secret", "altered body"])
def test_an_unsigned_or_stale_request_is_refused(client, current, linked, fake_slack, how):
    body = submission(current)
    if how == "unsigned":
        response = client.post(
            "/slack/events", data=body, content_type="application/x-www-form-urlencoded"
        )
    elif how == "stale":
        response = signed(client, body, age=6 * 60)
    elif how == "wrong secret":
        response = signed(client, body, secret="not-the-secret")
    else:
        ts = str(int(time.time()))
        signature = (
            "v0="
            + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
        )
        response = client.post(
            "/slack/events",
            data=body.replace("57", "99"),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_SLACK_REQUEST_TIMESTAMP=ts,
            HTTP_X_SLACK_SIGNATURE=signature,
        )
    assert response.status_code == 401
    assert CheckIn.objects.count() == 1
    assert [call[0] for call in fake_slack.calls] == ["auth.test"]  # the link, nothing since


def test_without_a_signing_secret_the_endpoint_is_off(client, settings, current):
    settings.SLACK_SIGNING_SECRET = ""
    assert signed(client, command()).status_code == 404


def test_a_check_in_typed_after_the_command_is_recorded(client, current, linked, fake_slack):
    response = signed(client, command("NPS 61 at risk waiting on CRM; help centre done"))
    text = said(response)
    assert "2 check-ins saved" in text, text
    nps = CheckIn.objects.filter(key_result=current["nps"]).latest("id")
    assert (nps.value, nps.confidence, nps.comment) == (61, "at_risk", "waiting on CRM")
    assert CheckIn.objects.get(key_result=current["launch"]).value == 1
    unreadable = signed(client, command("Revenue 12"))
    assert "No key result of yours matches" in said(unreadable)


def test_an_unlinked_team_or_an_unknown_person_is_told_why(client, current, linked, fake_slack):
    assert "not linked" in said(signed(client, command(team="T0OTHER")))
    assert "not a member" in said(signed(client, command(user="USTRANGER")))
    assert not fake_slack.of("views.open")


def test_the_monday_reminder_carries_a_button_that_opens_the_modal(
    client, current, linked, fake_slack, workspace, teammate
):
    signed(client, command())  # Tess has used the app: her account is linked
    fake_slack.calls.clear()
    monday = workspace.today() - dt.timedelta(days=workspace.today().weekday())
    assert n.weekly_reminders(workspace, monday + dt.timedelta(days=7)) >= 1
    (dm,) = [c for c in fake_slack.of("chat.postMessage") if c["channel"] == "UTESS"]
    blocks = json.loads(dm["blocks"])
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert buttons[0]["action_id"] == "open_checkin"
    assert buttons[1]["url"].endswith(f"/w/{workspace.slug}/checkin/")
    press = interaction(
        {
            "type": "block_actions",
            "team": {"id": "T0ACME"},
            "user": {"id": "UTESS"},
            "trigger_id": "999.888",
            "actions": [{"action_id": "open_checkin", "value": "checkin", "type": "button"}],
        }
    )
    assert signed(client, press).status_code == 200
    (opened,) = fake_slack.of("views.open")
    assert opened["trigger_id"] == "999.888"


def test_an_alert_reaches_a_linked_member_as_a_direct_message(
    client, current, linked, fake_slack, workspace, teammate
):
    signed(client, command())
    fake_slack.calls.clear()
    told = n.notify(
        workspace=workspace,
        recipients=[teammate],
        kind="mention",
        key="test-mention",
        text="Olivia mentioned you: <!channel> look",
        url=f"/w/{workspace.slug}/",
    )
    assert told == 1
    (dm,) = fake_slack.of("chat.postMessage")
    assert "&lt;!channel&gt;" in json.loads(dm["blocks"])[0]["text"]["text"]


def test_unlinking_forgets_the_team_and_its_people(client, workspace, owner, linked, current):
    signed(client, command())
    client.force_login(owner.user)
    client.post(f"/w/{workspace.slug}/settings/slack/", {"unlink": "1"})
    assert not SlackLink.objects.exists() and not SlackUser.objects.exists()
