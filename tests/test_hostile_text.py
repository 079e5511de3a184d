"""Hostile text stays inert everywhere it is shown. Script, handler, template and Slack
markup payloads go into every text field a person can write; then every page of the
workspace opens in Chromium (desktop) with the Content-Security-Policy on, and no payload
runs and no policy is violated; the report's PDF, the e-mails, the Slack text and the
CSV/XLSX cells carry them as plain, neutralised text.
"""

import csv
import datetime as dt
import io
import re
import subprocess

import pytest

from tests.conftest import url_routes, verified
from waypoint.integrations import notifications
from waypoint.kpis import services as kpis
from waypoint.kpis.models import Deviation
from waypoint.okrs import exports
from waypoint.okrs import services as okr
from waypoint.reports import services as reports
from waypoint.workspaces import services as ws_services

# Each payload sets window.__pwned or pops a dialog if it ever runs; {{ 7|add:42 }} would
# read 49 if a template rendered it.
PAYLOADS = [
    "<script>window.__pwned=1</script>",
    '"><img src=x onerror="window.__pwned=2">',
    "<svg onload=window.__pwned=3>",
    "javascript:alert(4)",
    "{{ 7|add:42 }}{% now 'Y' %}",
    "<!channel> <http://evil.test|click> &amp;",
    '=HYPERLINK("http://evil.test","x")',
    "＝1+1",
    "  @SUM(1)",
]
PAYLOAD = " ".join(PAYLOADS)
PASSWORD = "a-Long-pass-2026"


@pytest.fixture
def hostile(transactional_db, django_user_model):
    user = verified(
        django_user_model.objects.create_user(
            email="olivia@acme.test", password=PASSWORD, full_name=f"Olivia {PAYLOADS[1]}"
        )
    )
    ws = ws_services.workspace_create(
        name=f"Acme {PAYLOADS[0]}", slug="acme", owner=user, actor=user
    )
    owner = ws.members.get()
    team = ws_services.team_create(workspace=ws, name=f"Team {PAYLOADS[2]}", lead=owner, actor=user)
    team.members.add(owner)
    today = dt.date.today()
    cycle = okr.cycle_create(
        workspace=ws,
        name=f"Q {PAYLOADS[4]}",
        start=today - dt.timedelta(days=30),
        end=today + dt.timedelta(days=60),
        kind="quarter",
        actor=user,
    )
    okr.cycle_set_current(cycle=cycle, actor=user)
    objective = okr.objective_create(
        workspace=ws,
        cycle=cycle,
        title=f"Objective {PAYLOAD}",
        why=f"Why {PAYLOAD}",
        level="company",
        owner=owner,
        teams=[team],
        actor=user,
    )
    kr = okr.key_result_create(
        objective=objective,
        title=f"KR {PAYLOAD}",
        type="increase",
        start=0,
        target=10,
        unit=PAYLOADS[5][:20],
        owner=owner,
        actor=user,
    )
    for formula in PAYLOADS[6:]:  # cells a spreadsheet would run, if not neutralised
        okr.key_result_create(
            objective=objective, title=formula, type="increase", start=0, target=5, actor=user
        )
    okr.checkin_create(
        key_result=kr,
        date=today,
        value=3,
        comment=f"Comment {PAYLOAD}",
        confidence="at_risk",
        actor=user,
    )
    okr.initiative_create(key_result=kr, title=f"Initiative {PAYLOAD}", actor=user)
    okr.comment_create(objective=objective, body=f"Talk {PAYLOAD}", author=owner, actor=user)
    okr.retrospective_write(
        objective=objective, what_worked=PAYLOAD, what_did_not=PAYLOAD, learned=PAYLOAD, actor=user
    )
    okr.cycle_review_write(cycle=cycle, summary=PAYLOAD, held_on=today, actor=user)
    kpi = kpis.kpi_create(
        workspace=ws,
        name=f"KPI {PAYLOADS[0]}",
        description=PAYLOAD,
        warning=100,
        critical=50,
        frequency="daily",
        aggregation="last",
        owner=owner,
        team=team,
        actor=user,
    )
    kpis.data_points_record(kpi=kpi, rows=[(today - dt.timedelta(days=1), 10)], actor=user)
    kpis.annotation_create(
        workspace=ws, date=today - dt.timedelta(days=1), text=f"Note {PAYLOAD}", kpi=kpi, actor=user
    )
    for deviation in Deviation.objects.filter(kpi=kpi):
        kpis.deviation_respond(
            deviation=deviation,
            response="improve_process",
            note=PAYLOAD,
            improvement=kpis.Improvement(
                title=f"Fix {PAYLOAD}", owner=owner, due_on=today + dt.timedelta(days=7)
            ),
            actor=user,
        )
    report = reports.report_create(
        workspace=ws,
        title=f"Report {PAYLOADS[1]}",
        period_start=today - dt.timedelta(days=30),
        period_end=today,
        summary=f"Summary {PAYLOAD}",
        by=owner,
        actor=user,
    )
    link = reports.share_link_create(report=report, days=7, actor=user)
    return {
        "ws": ws,
        "user": user,
        "owner": owner,
        "cycle": cycle,
        "objective": objective,
        "kr": kr,
        "kpi": kpi,
        "report": report,
        "team": team,
        "link": link,
    }


def pages(h):
    """Every page of the workspace that answers a GET, with this workspace's ids."""
    ids = {
        "objectives": h["objective"].pk,
        "krs": h["kr"].pk,
        "cycles": h["cycle"].pk,
        "kpis": h["kpi"].pk,
        "reports": h["report"].pk,
        "teams": h["team"].pk,
        "people": h["owner"].pk,
    }

    out = []
    for route in url_routes():
        if not route.startswith("w/") or route.endswith((".png", ".csv")):
            continue
        url, ok = "/", True
        for part in re.split(r"(<[^>]+>)", route):
            if not part.startswith("<"):
                url += part
                continue
            name = part[1:-1].rpartition(":")[2]
            word = url.rstrip("/").rsplit("/", 1)[-1]
            if name == "slug":
                url += "acme"
            elif name == "cycle_pk":
                url += str(h["cycle"].pk)
            elif name == "pk" and word in ids:
                url += str(ids[word])
            else:
                ok = False
        if ok and "/export/" not in url:
            out.append(url)
    link = h["link"].token
    return [*out, f"/share/{link}/", "/accounts/login/", "/accounts/signup/", "/api/v1/docs"]


def test_payloads_stay_inert_on_every_page_under_the_csp(hostile, live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    violations, dialogs, errors = [], [], []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    base = live_server.url
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", "olivia@acme.test")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    visited = 0
    for url in pages(hostile):
        probe = page.request.get(base + url, max_redirects=0)
        if probe.status != 200 or "text/html" not in probe.headers.get("content-type", ""):
            continue  # views that take only a POST, redirect elsewhere, or send a file
        response = page.goto(base + url)
        page.wait_for_load_state("networkidle")
        visited += 1
        assert "script-src 'self';" in response.headers.get("content-security-policy", "") + ";"
        assert page.evaluate("window.__pwned") is None, url
        # Nothing inline that the policy would have to refuse: handlers, scripts, js: links.
        inline = page.evaluate(
            """[...document.querySelectorAll('*')].filter(e => [...e.attributes].some(
                   a => a.name.startsWith('on') || /^\\s*javascript:/i.test(a.value)
               )).length
               + [...document.scripts].filter(
                   s => !s.src && s.type !== 'application/json').length"""
        )
        assert inline == 0, url
        html = page.content()
        assert "49" + str(dt.date.today().year) not in html, url
        assert "<script>window.__pwned" not in html.replace("&lt;script&gt;", ""), url
    print(f"hostile text: {len(PAYLOADS)} payloads, {visited} pages in Chromium")
    assert visited >= 30, visited
    # The charts drew under the policy (Vega interprets its expressions, no eval).
    page.goto(base + f"/w/acme/kpis/{hostile['kpi'].pk}/")
    page.wait_for_selector(".chart[data-rendered]")
    assert not violations, violations[:5]
    assert not dialogs and not errors, (dialogs, errors)
    context.close()


def test_payloads_are_plain_text_in_the_pdf_the_mail_slack_and_spreadsheets(hostile, mailoutbox):
    from waypoint.reports.selectors import report_pdf

    pdf = report_pdf(hostile["report"], "en")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert "<script>window.__pwned=1</script>" in flat  # shown, not run
    assert "7|add:42" in flat and "49" + str(dt.date.today().year) not in flat

    # Slack: the digest carries markup from people's texts as entities only.
    slack = notifications.digest_slack(
        notifications.team_digest(hostile["team"], hostile["cycle"], None)
    )
    assert "<!channel>" not in slack and "&lt;!channel&gt;" in slack
    assert "<http://evil.test|click>" not in slack and "<script>" not in slack

    # E-mail: plain text, the payload as written, nothing rendered.
    notifications.kpi_alert(hostile["kpi"], f"KPI {PAYLOADS[0]} is critical", event=1)
    assert mailoutbox and PAYLOADS[0] in mailoutbox[-1].body

    # Spreadsheets: every cell that a spreadsheet would run starts with an apostrophe.
    rows = exports.cycle_rows(hostile["cycle"])
    table = list(csv.reader(io.StringIO(exports.to_csv(rows))))
    for formula in PAYLOADS[6:]:
        assert any(c == "'" + formula.strip() for r in table for c in r), formula
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(exports.to_xlsx(rows)))
    for row in book.active.iter_rows(values_only=True):
        for value in row:
            if isinstance(value, str):
                assert not value.lstrip().startswith(("=", "＝", "+", "@")), value
