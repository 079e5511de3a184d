"""Check-ins by replying to the reminder: the lines people write, the inbound-mail webhooks
of the common providers, a local IMAP server for the poller, and the answer each writer
gets."""

import datetime as dt
import re
import socketserver
import threading
from email.message import EmailMessage

import pytest

from waypoint.integrations import checkin_text, checkins, mailin
from waypoint.integrations import notifications as n
from waypoint.integrations.models import InboundMail
from waypoint.okrs import services as okr
from waypoint.okrs.models import CheckIn

KEY = "inbound-key-for-tests"


@pytest.fixture(autouse=True)
def inbound(settings):
    settings.INBOUND_EMAIL = "checkin@in.acme.test"
    settings.INBOUND_EMAIL_KEY = KEY


@pytest.fixture
def current(workspace, teammate, now_cycle):
    today, cycle = workspace.today(), now_cycle
    o = okr.objective_create(
        workspace=workspace, cycle=cycle, title="Customers stay", owner=teammate, actor=None
    )
    krs = {
        "nps": okr.key_result_create(
            objective=o, title="NPS from 40 to 60", start=40, target=60, owner=teammate, actor=None
        ),
        "leads": okr.key_result_create(
            objective=o,
            title="Reach 50,000 leads",
            start=0,
            target=50000,
            unit="leads",
            owner=teammate,
            actor=None,
        ),
        "launch": okr.key_result_create(
            objective=o,
            title="Launch the help centre",
            type="milestone",
            owner=teammate,
            actor=None,
        ),
    }
    okr.checkin_create(
        key_result=krs["nps"],
        date=today - dt.timedelta(days=8),
        value=52,
        confidence="at_risk",
        actor=None,
    )
    return krs


# --- Reading lines ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "kr", "value", "confidence", "comment"),
    [
        ("NPS 61 at risk waiting on CRM", "nps", 61, "at_risk", "waiting on CRM"),
        ("nps: 58", "nps", 58, "at_risk", ""),  # the last confidence stays
        ("1. 63 off track - churn spike", "nps", 63, "off_track", "churn spike"),
        ("#2 22,369 leads on track", "leads", 22369, "on_track", ""),
        ("Reach 50,000 leads 30000 green", "leads", 30000, "on_track", ""),
        ("leads 12500,5", "leads", 12500.5, "on_track", ""),
        ("help centre done", "launch", 1, "on_track", ""),
        ("3 not done off track vendor late", "launch", 0, "off_track", "vendor late"),
        ("NPS 57 под угрозой ждём CRM", "nps", 57, "at_risk", "ждём CRM"),
        ("NPS 57 有风险 等待CRM", "nps", 57, "at_risk", "等待CRM"),
        ("NPS 57 zagrożony czekamy na CRM", "nps", 57, "at_risk", "czekamy na CRM"),
        ("NPS 59 По плану", "nps", 59, "on_track", ""),
        ("help centre 未完成", "launch", 0, "on_track", ""),
        ("3 выполнено", "launch", 1, "on_track", ""),  # the word the page shows
        ("3 osiągnięty", "launch", 1, "on_track", ""),
    ],
)
def test_a_line_names_a_key_result_its_value_confidence_and_comment(
    current, line, kr, value, confidence, comment
):
    krs = list(current.values())
    found = checkin_text.read_line(line, krs)
    assert not isinstance(found, str), found
    assert found.key_result == current[kr]
    assert (found.value, found.confidence, found.comment) == (value, confidence, comment)


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ("Revenue 12", "No key result of yours matches"),
        ("e 45", "matches several key results"),  # "Reach …" and "… centre"
        ("NPS went up a lot", "No value found"),
        ("help centre 7", "done"),
        ("leads done", "needs a number"),
    ],
)
def test_a_line_that_cannot_be_read_says_why(current, line, why):
    found = checkin_text.read_line(line, list(current.values()))
    assert isinstance(found, str) and why in found


def test_the_quoted_reminder_and_the_signature_are_not_read(current):
    text = (
        "NPS 61 at risk\n\nleads 100\n-- \nTess\n"
        "On Mon, 30 Nov 2026 at 09:00, Waypoint wrote:\n> 1. NPS from 40 to 60: 52\n"
    )
    assert checkin_text.reply_lines(text) == ["NPS 61 at risk", "leads 100"]
    outlook = "NPS 61\n-----Original Message-----\nFrom: Waypoint\n2. 99999"
    assert checkin_text.reply_lines(outlook) == ["NPS 61"]
    reading = checkin_text.read("x\n" * 500, list(current.values()))
    assert len(reading.problems) == checkin_text.MAX_LINES  # bounded


# --- The reminder and the reply ---------------------------------------------------------------


def reply(member, text, *, sender=None, message_id="<r1@mail.test>", to=None):
    return {
        "From": sender or f"Tess <{member.user.email}>",
        "ToFull": [{"Email": to or mailin.reply_address(member), "Name": ""}],
        "TextBody": text,
        "Headers": [{"Name": "Message-ID", "Value": message_id}],
    }


def post(client, payload, key=KEY, **kwargs):
    return client.post(f"/inbound/email/?key={key}", payload, **kwargs)


def test_the_reminder_lists_the_key_results_and_takes_a_reply(
    current, workspace, teammate, mailoutbox
):
    monday = workspace.today() - dt.timedelta(days=workspace.today().weekday())
    n.weekly_reminders(workspace, monday + dt.timedelta(days=7))
    (mail,) = [m for m in mailoutbox if m.to == [teammate.user.email]]
    assert mail.reply_to == [mailin.reply_address(teammate)]
    assert re.match(r"checkin\+\d+-[a-z2-7]{16}@in\.acme\.test$", mail.reply_to[0])
    assert "1. NPS from 40 to 60: 52" in mail.body
    assert "2. Reach 50,000 leads: – leads" in mail.body
    assert "Or reply to this e-mail" in mail.body


def test_a_reply_records_check_ins_and_is_answered(client, current, teammate, mailoutbox):
    text = "NPS 61 at risk waiting on CRM\n2. 22,369\nhelp centre done\n\n> quoted"
    response = post(client, reply(teammate, text), content_type="application/json")
    assert response.status_code == 200 and response.json() == {"result": "recorded"}
    nps = CheckIn.objects.filter(key_result=current["nps"]).latest("id")
    assert (nps.value, nps.confidence, nps.comment) == (61, "at_risk", "waiting on CRM")
    assert nps.author == teammate
    assert CheckIn.objects.get(key_result=current["leads"]).value == 22369
    assert CheckIn.objects.get(key_result=current["launch"]).value == 1
    (answer,) = mailoutbox
    assert answer.to == [teammate.user.email]
    assert "3 check-ins recorded" in answer.body and "Could not read" not in answer.body


def test_a_malformed_reply_gets_a_helpful_answer(client, current, teammate, mailoutbox):
    text = "Thanks, all good!\nNPS 62\nhelp centre 7"
    post(client, reply(teammate, text), content_type="application/json")
    assert CheckIn.objects.filter(key_result=current["nps"]).latest("id").value == 62
    (answer,) = mailoutbox
    assert "Your check-in needs a look" in answer.subject
    assert "1 check-in recorded" in answer.body
    assert "“Thanks, all good!”: No value found" in answer.body
    assert "“help centre 7”" in answer.body
    assert "For example:\n1. 62 at risk waiting on the CRM" in answer.body  # a line to copy


def test_only_the_member_the_token_names_may_reply_and_only_once(
    client, current, teammate, owner, mailoutbox
):
    forged = reply(teammate, "NPS 99", sender=owner.user.email)
    assert post(client, forged, content_type="application/json").json()["result"] == "forged"
    guessed = reply(teammate, "NPS 99", to=f"checkin+{teammate.pk}-aaaaaaaaaaaaaaaa@in.acme.test")
    assert post(client, guessed, content_type="application/json").json()["result"] == "unknown"
    assert post(client, reply(teammate, "NPS 70"), content_type="application/json").json() == {
        "result": "recorded"
    }
    again = post(client, reply(teammate, "NPS 70"), content_type="application/json")
    assert again.json()["result"] == "duplicate"
    assert CheckIn.objects.filter(key_result=current["nps"], value__in=[70, 99]).count() == 1
    assert len(mailoutbox) == 1  # the forger and the guesser got nothing


def test_the_endpoint_wants_its_key_and_a_bounded_body(client, current, teammate):
    payload = reply(teammate, "NPS 70")
    assert post(client, payload, key="wrong", content_type="application/json").status_code == 404
    big = reply(teammate, "x" * (mailin.MAX_MESSAGE_BYTES + 10))
    assert post(client, big, content_type="application/json").status_code == 413
    junk = post(client, "not json", content_type="application/json")
    assert junk.status_code == 400 and "error" in junk.json()
    assert not CheckIn.objects.filter(value=70).exists()


def raw_reply(member, text, message_id="<raw1@mail.test>") -> bytes:
    message = EmailMessage()
    message["From"] = f"Tess <{member.user.email}>"
    message["To"] = mailin.reply_address(member)
    message["Subject"] = "Re: [Waypoint] Time to check in"
    message["Message-ID"] = message_id
    message.set_content(text)
    return message.as_bytes()


def test_sendgrid_mailgun_and_raw_messages_are_read(client, current, teammate):
    sendgrid = {
        "from": teammate.user.email,
        "to": mailin.reply_address(teammate),
        "text": "NPS 63",
        "headers": "Message-ID: <sg1@mail.test>\nSubject: Re",
    }
    assert post(client, sendgrid).json()["result"] == "recorded"
    mailgun = {
        "sender": teammate.user.email,
        "recipient": mailin.reply_address(teammate),
        "body-plain": "NPS 64",
        "Message-Id": "<mg1@mail.test>",
    }
    assert post(client, mailgun).json()["result"] == "recorded"
    raw = post(client, raw_reply(teammate, "NPS 65"), content_type="message/rfc822")
    assert raw.json()["result"] == "recorded"
    values = set(CheckIn.objects.filter(key_result=current["nps"]).values_list("value", flat=True))
    assert {63, 64, 65} <= values


class FakeImap:
    """An IMAP4rev1 server on 127.0.0.1 with one mailbox: enough of LOGIN, SELECT, SEARCH,
    FETCH and STORE for the poller, keeping the \\Seen flags."""

    def __init__(self, messages: list[bytes], password="s3cret"):
        self.messages = messages
        self.seen: set[int] = set()
        self.logins = []
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def send(self, line: str):
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.send("* OK IMAP4rev1 ready")
                while True:
                    line = self.rfile.readline().decode().strip()
                    if not line:
                        return
                    tag, command, *rest = line.split(" ", 2)
                    arg = rest[0] if rest else ""
                    command = command.upper()
                    if command == "CAPABILITY":
                        self.send("* CAPABILITY IMAP4rev1")
                    elif command == "LOGIN":
                        user, secret = (a.strip('"') for a in arg.split(" ", 1))
                        outer.logins.append(user)
                        if secret != password:
                            self.send(f"{tag} NO wrong password")
                            continue
                    elif command == "SELECT":
                        self.send(f"* {len(outer.messages)} EXISTS")
                        self.send("* FLAGS (\\Seen)")
                        self.send(f"{tag} OK [READ-WRITE] SELECT completed")
                        continue
                    elif command == "SEARCH":
                        unseen = [
                            str(i + 1)
                            for i in range(len(outer.messages))
                            if i + 1 not in outer.seen
                        ]
                        self.send("* SEARCH " + " ".join(unseen))
                    elif command == "FETCH":
                        number = int(arg.split(" ")[0])
                        data = outer.messages[number - 1]
                        self.wfile.write(f"* {number} FETCH (BODY[] {{{len(data)}}}\r\n".encode())
                        self.wfile.write(data + b")\r\n")
                    elif command == "STORE":
                        number = int(arg.split(" ")[0])
                        outer.seen.add(number)
                        self.send(f"* {number} FETCH (FLAGS (\\Seen))")
                    elif command == "LOGOUT":
                        self.send("* BYE")
                        self.send(f"{tag} OK LOGOUT completed")
                        return
                    self.send(f"{tag} OK {command} completed")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_the_imap_poller_reads_each_reply_once(current, teammate, mailoutbox):
    imap = FakeImap(
        [
            raw_reply(teammate, "NPS 66 on track", "<imap1@mail.test>"),
            raw_reply(teammate, "leads 4000", "<imap2@mail.test>"),
        ]
    )
    url = f"imap://waypoint%40acme.test:s3cret@127.0.0.1:{imap.port}/INBOX"
    try:
        assert mailin.poll_imap(url) == 2
        assert imap.seen == {1, 2} and imap.logins == ["waypoint@acme.test"]
        assert CheckIn.objects.filter(key_result=current["nps"]).latest("id").value == 66
        assert CheckIn.objects.get(key_result=current["leads"]).value == 4000
        assert len(mailoutbox) == 2  # each reply answered
        imap.seen.clear()  # the mailbox forgot the flags: the Message-IDs still hold
        assert mailin.poll_imap(url) == 2
        assert CheckIn.objects.filter(key_result=current["leads"]).count() == 1
        assert InboundMail.objects.count() == 2 and len(mailoutbox) == 2
    finally:
        imap.server.shutdown()


def test_numbers_are_written_and_read_in_the_readers_language(
    client, workspace, current, teammate, mailoutbox
):
    """A Russian reminder writes 22 369 (with a no-break space); copied back, it reads."""
    from django.utils import translation

    okr.checkin_create(key_result=current["leads"], date=workspace.today(), value=22369, actor=None)
    with translation.override("ru"):
        listed = mailin.sheet_text(checkins.sheet(teammate))
    assert "22\u00a0369" in listed
    found = checkin_text.read_line("2. 23\u00a0500,5", list(current.values()))
    assert found.value == 23500.5
