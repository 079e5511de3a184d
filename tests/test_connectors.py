"""The connector framework, through its HTTP JSON kind against a local server: pages, a 429
with Retry-After, 5xx, malformed answers that write nothing, credentials encrypted at rest
and never shown, the schedule, the pull history, catch hooks, the pages, the CLI and the API."""

import datetime as dt
import json
import logging
import re
import subprocess
import sys
from html import unescape

import pytest
from django.db import connection
from django.utils import timezone

from waypoint.connectors import services
from waypoint.connectors.models import Pull, Source
from waypoint.jobs.models import Job
from waypoint.kpis.models import Annotation, DataPoint, Kpi
from waypoint.lib import vault
from waypoint.okrs.models import CheckIn
from waypoint.workspaces.models import AuditEntry

TOKEN = "sk-test-Quokka-7f3a9c"  # a credential that must never be shown or stored plainly


@pytest.fixture
def kpi(workspace, owner):
    return Kpi.objects.create(
        workspace=workspace, name="Visitors", owner=owner, frequency="daily", warning=10, critical=5
    )


def rows(*pairs):
    return [{"day": d, "n": v} for d, v in pairs]


def http_source(kpi, vendor, **values):
    settings = {
        "url": vendor.url + "/stats",
        "path": "$.rows[*]",
        "date_field": "day",
        "value_field": "n",
        "headers": f"Authorization: Bearer {TOKEN}",
        **values,
    }
    return services.source_save(
        workspace=kpi.workspace, kind="http_json", values=settings, kpi=kpi, actor=None
    )


def values(kpi):
    return list(DataPoint.objects.filter(kpi=kpi).order_by("date").values_list("date", "value"))


def test_pages_are_followed_and_every_value_lands_on_its_date(kpi, vendor):
    @vendor.route("GET", "/stats")
    def stats(req):
        if req.query.get("page") == "2":
            return 200, {"rows": rows(("2026-11-03", 30)), "next": None}
        return 200, {"rows": rows(("2026-11-01", 10), ("2026-11-02", 20)), "next": "?page=2"}

    source = http_source(kpi, vendor, next_path="$.next")
    assert services.pull(source)
    assert values(kpi) == [
        (dt.date(2026, 11, 1), 10),
        (dt.date(2026, 11, 2), 20),
        (dt.date(2026, 11, 3), 30),
    ]
    assert [r.headers["authorization"] for r in vendor.calls("/stats")] == [f"Bearer {TOKEN}"] * 2
    pull = Pull.objects.get(source=source)
    assert (pull.ok, pull.rows, pull.requests, pull.error) == (True, 3, 2, "")
    source.refresh_from_db()
    assert source.failures == 0 and source.next_run_at > timezone.now() + dt.timedelta(minutes=59)


def test_one_number_is_todays_value(kpi, vendor):
    vendor.route("GET", "/stats")(lambda req: (200, {"data": {"total": "1,234.5"}}))
    assert services.pull(http_source(kpi, vendor, path="$.data.total"))
    assert values(kpi) == [(kpi.workspace.today(), 1234.5)]


def test_a_429_is_waited_out_for_as_long_as_retry_after_says(kpi, vendor):
    answers = iter([(429, {"message": "slow down"}, {"Retry-After": "2"})])

    @vendor.route("GET", "/stats")
    def stats(req):
        return next(answers, (200, {"rows": rows(("2026-11-01", 5))}))

    slept = []
    assert services.pull(http_source(kpi, vendor), sleep=slept.append)
    assert slept == [2.0] and len(vendor.calls("/stats")) == 2
    assert values(kpi) == [(dt.date(2026, 11, 1), 5)]


def test_a_long_retry_after_is_left_to_the_schedule_and_writes_nothing(kpi, vendor):
    vendor.route("GET", "/stats")(lambda req: (429, {}, {"Retry-After": "900"}))
    source = http_source(kpi, vendor)
    before = timezone.now()
    assert not services.pull(source, sleep=pytest.fail)
    source.refresh_from_db()
    assert "429" in source.last_error and values(kpi) == []
    assert source.next_run_at >= before + dt.timedelta(seconds=900)
    assert Pull.objects.get(source=source).ok is False


def test_server_errors_are_retried_with_growing_pauses_then_given_up(kpi, vendor):
    vendor.route("GET", "/stats")(
        lambda req: (503, b"<html>down</html>", {"Content-Type": "text/html"})
    )
    slept = []
    source = http_source(kpi, vendor)
    assert not services.pull(source, sleep=slept.append)
    assert slept == [1.0, 2.0, 4.0] and len(vendor.calls("/stats")) == 4
    source.refresh_from_db()
    assert "503" in source.last_error and source.failures == 1
    # The next failure waits longer.
    first_wait = source.next_run_at - source.last_run_at
    assert not services.pull(source, sleep=slept.append)
    source.refresh_from_db()
    assert source.next_run_at - source.last_run_at > first_wait


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (b"<html>Sign in</html>", "not valid JSON"),
        ({"rows": [{"day": "2026-11-01", "n": 1}, {"day": "yesterday", "n": 2}]}, "Item 2's day"),
        ({"rows": [{"day": "2026-11-01", "n": 1}, {"day": "2026-11-02"}]}, "Item 2 of $.rows[*]"),
        ({"rows": [{"day": "2026-11-01", "n": "many"}]}, "Item 1's n is not a number"),
        ({"data": []}, "finds nothing"),
        (b'{"rows": [' * 5000, "not valid JSON"),
    ],
)
def test_a_malformed_answer_is_named_on_the_page_and_writes_nothing(
    client,
    owner_user,
    kpi,
    vendor,
    answer,
    says,
):
    vendor.route("GET", "/stats")(lambda req: (200, answer))
    source = http_source(kpi, vendor)
    assert not services.pull(source)
    assert values(kpi) == [] and not Annotation.objects.exists()
    client.force_login(owner_user)
    html = unescape(client.get(f"/w/acme/sources/{source.pk}/").content.decode())
    assert says in html
    assert says in unescape(client.get(f"/w/acme/kpis/{kpi.pk}/").content.decode())


def test_a_vendor_refusal_quotes_its_message(kpi, vendor):
    vendor.route("GET", "/stats")(lambda req: (403, {"error": {"message": "Key lacks scope"}}))
    source = http_source(kpi, vendor)
    assert not services.pull(source)
    assert "(403): Key lacks scope" in Source.objects.get(pk=source.pk).last_error


def test_credentials_are_encrypted_at_rest_and_never_shown(
    client,
    owner_user,
    kpi,
    vendor,
    caplog,
):
    vendor.route("GET", "/stats")(lambda req: (200, {"rows": rows(("2026-11-01", 5))}))
    caplog.set_level(logging.DEBUG)
    source = http_source(kpi, vendor)
    services.pull(source)
    with connection.cursor() as cur:
        cur.execute("SELECT secret, settings FROM connectors_source WHERE id = %s", [source.pk])
        raw_secret, raw_settings = cur.fetchone()
    assert TOKEN not in raw_secret and TOKEN not in str(raw_settings)
    assert raw_secret.startswith("gAAAAA")  # a Fernet token
    assert vault.decrypt(raw_secret)["headers"] == f"Authorization: Bearer {TOKEN}"
    assert not any(
        TOKEN in json.dumps(e.after) + json.dumps(e.before) for e in AuditEntry.objects.all()
    )
    # Not even encrypted: the trail keeps no credential.
    assert not any(
        "secret" in (e.after or {}) or "secret" in (e.before or {})
        for e in AuditEntry.objects.filter(action__startswith="source.")
    )
    client.force_login(owner_user)
    for url in (f"/w/acme/sources/{source.pk}/", f"/w/acme/kpis/{kpi.pk}/", "/w/acme/sources/"):
        assert TOKEN not in client.get(url).content.decode()
    assert TOKEN not in caplog.text
    # Saved again with the credential left empty, the stored one is kept.
    response = client.post(
        f"/w/acme/sources/{source.pk}/",
        {
            "action": "save",
            "url": vendor.url + "/stats",
            "path": "$.rows[*]",
            "date_field": "day",
            "value_field": "n",
            "headers": "",
            "every_minutes": "30",
        },
    )
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.every_minutes == 30
    assert vault.decrypt(source.secret)["headers"] == f"Authorization: Bearer {TOKEN}"


def test_credentials_from_another_key_ask_to_be_typed_again(
    client, owner_user, kpi, vendor, monkeypatch
):
    source = http_source(kpi, vendor)
    monkeypatch.setenv("WAYPOINT_ENCRYPTION_KEY", "Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyMDA=")
    vault.reset()
    try:
        assert not services.pull(source)
        assert "enter them again" in Source.objects.get(pk=source.pk).last_error
        client.force_login(owner_user)
        assert "enter them again" in client.get(f"/w/acme/sources/{source.pk}/").content.decode()
    finally:
        monkeypatch.delenv("WAYPOINT_ENCRYPTION_KEY")
        vault.reset()


def test_a_new_key_first_still_reads_the_old_and_rotation_moves_them(
    kpi, vendor, monkeypatch, settings
):
    source = http_source(kpi, vendor)
    old = (settings.DATA_DIR / vault.KEY_FILE).read_text().strip()
    from cryptography.fernet import Fernet

    new = Fernet.generate_key().decode()
    monkeypatch.setenv("WAYPOINT_ENCRYPTION_KEY", f"{new},{old}")
    vault.reset()
    try:
        from django.core.management import call_command

        call_command("rotate_credentials")
        source.refresh_from_db()
        monkeypatch.setenv("WAYPOINT_ENCRYPTION_KEY", new)
        vault.reset()
        assert vault.decrypt(source.secret)["headers"].endswith(TOKEN)
    finally:
        monkeypatch.delenv("WAYPOINT_ENCRYPTION_KEY")
        vault.reset()


def test_credentials_do_not_follow_a_redirect_to_another_server(kpi, vendor):
    from tests.vendors import Vendor

    other = Vendor()
    try:
        other.route("GET", "/landing")(lambda req: (200, {"rows": rows(("2026-11-01", 1))}))
        vendor.route("GET", "/stats")(lambda req: (302, b"", {"Location": other.url + "/landing"}))
        assert services.pull(http_source(kpi, vendor))
        assert "authorization" in vendor.calls("/stats")[0].headers
        assert "authorization" not in other.calls("/landing")[0].headers
    finally:
        other.close()


def test_addresses_pass_the_outbound_policy(client, owner_user, kpi, settings):
    settings.OUTBOUND_ALLOW = []
    client.force_login(owner_user)
    for address, says in [
        ("http://10.0.0.5/x", "private address"),
        ("http://127.0.0.1:9/x", "loopback address"),
        ("http://169.254.169.254/latest/meta-data", "link-local address"),
        ("file:///etc/passwd", "must start with http"),
    ]:
        response = client.post(
            "/w/acme/sources/new/",
            {"kind": "http_json", "kpi": kpi.pk, "url": address, "path": "$", "every_minutes": 60},
        )
        assert response.status_code == 422 and says in response.content.decode(), address
    assert not Source.objects.exists()


def test_the_schedule_queues_each_due_source_once(
    kpi, vendor, workspace, owner, django_capture_on_commit_callbacks
):
    vendor.route("GET", "/stats")(lambda req: (200, {"rows": rows(("2026-11-01", 5))}))
    other = Kpi.objects.create(workspace=workspace, name="Leads", owner=owner, frequency="daily")
    first = http_source(kpi, vendor)
    second = http_source(other, vendor)
    Source.objects.filter(pk=second.pk).update(next_run_at=timezone.now() + dt.timedelta(hours=1))
    # Jobs run at commit in the tests: the due source is pulled, the other is not.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.claim_due() == 1
    assert values(kpi) and not values(other)
    assert Job.objects.filter(kind="sources.pull").count() == 1
    assert services.claim_due() == 0  # pulled: due again in an hour
    first.refresh_from_db()
    assert first.next_run_at > timezone.now() + dt.timedelta(minutes=59)


def test_a_key_result_takes_the_newest_value_as_a_check_in(key_result, vendor):
    vendor.route("GET", "/stats")(
        lambda req: (200, {"rows": rows(("2026-01-10", 40), ("2026-01-12", 55))})
    )
    source = services.source_save(
        workspace=key_result.workspace,
        kind="http_json",
        values={
            "url": vendor.url + "/stats",
            "path": "$.rows[*]",
            "date_field": "day",
            "value_field": "n",
        },
        key_result=key_result,
        actor=None,
    )
    assert services.pull(source)
    latest = CheckIn.objects.filter(key_result=key_result).first()
    assert (latest.value, latest.date) == (55, dt.date(2026, 1, 12))
    assert "data source" in latest.comment
    assert services.pull(source)  # the same value again: no second check-in
    assert CheckIn.objects.filter(key_result=key_result, value=55).count() == 1


def test_a_catch_hook_takes_posts_at_an_address_shown_once(client, owner_user, kpi):
    client.force_login(owner_user)
    response = client.post("/w/acme/sources/new/", {"kind": "catch_hook", "kpi": kpi.pk})
    source = Source.objects.get(kpi=kpi)
    page = client.get(response["Location"]).content.decode()
    address = re.search(r'value="(http://testserver/hooks/catch/[^"]+)"[^>]*data-hook-url', page)
    assert address, page
    path = address.group(1).removeprefix("http://testserver")
    token = path.rsplit("/", 2)[-2]
    assert token not in json.dumps(list(Source.objects.values()), default=str)
    assert token not in client.get(f"/w/acme/sources/{source.pk}/").content.decode()  # once
    anonymous = client.__class__()
    done = anonymous.post(path, json.dumps({"value": 42}), content_type="application/json")
    assert done.status_code == 200 and done.json() == {"recorded": 1}
    done = anonymous.post(
        path,
        json.dumps([{"date": "2026-11-01", "value": 1}, {"date": "2026-11-02", "value": "2,5"}]),
        content_type="application/json",
    )
    assert done.status_code == 200
    assert values(kpi)[:2] == [(dt.date(2026, 11, 1), 1), (dt.date(2026, 11, 2), 2.5)]
    # Bad bodies are refused with a message and write nothing.
    before = values(kpi)
    for body in ["not json", json.dumps({"date": "2026-11-03"}), json.dumps([{"value": "x"}])]:
        bad = anonymous.post(path, body, content_type="application/json")
        assert bad.status_code == 400 and bad.json()["error"]
    assert values(kpi) == before
    assert (
        anonymous.post(
            "/hooks/catch/" + "x" * 43 + "/", "{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert Pull.objects.filter(source=source, via="hook").count() == 2
    # A new address: the old one stops working.
    client.post(f"/w/acme/sources/{source.pk}/", {"action": "hook"})
    assert (
        anonymous.post(path, json.dumps({"value": 1}), content_type="application/json").status_code
        == 404
    )


def test_connecting_from_the_kpi_page(
    client, owner_user, kpi, vendor, django_capture_on_commit_callbacks
):
    vendor.route("GET", "/stats")(lambda req: (200, {"rows": rows(("2026-11-01", 7))}))
    client.force_login(owner_user)
    page = client.get(f"/w/acme/kpis/{kpi.pk}/").content.decode()
    assert f"/w/acme/sources/new/?kpi={kpi.pk}" in page
    chooser = client.get(f"/w/acme/sources/new/?kpi={kpi.pk}").content.decode()
    for kind in (
        "http_json",
        "csv_url",
        "sql",
        "catch_hook",
        "github",
        "jira",
        "hubspot",
        "stripe",
    ):
        assert f'data-kind="{kind}"' in chooser
    form = client.get(f"/w/acme/sources/new/?kpi={kpi.pk}&kind=http_json").content.decode()
    assert 'name="path"' in form and 'name="headers"' in form
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/w/acme/sources/new/",
            {
                "kind": "http_json",
                "kpi": kpi.pk,
                "url": vendor.url + "/stats",
                "path": "$.rows[*]",
                "date_field": "day",
                "value_field": "n",
                "every_minutes": "60",
            },
        )
    source = Source.objects.get(kpi=kpi)
    assert response["Location"] == f"/w/acme/sources/{source.pk}/"
    assert values(kpi) == [(dt.date(2026, 11, 1), 7)]  # pulled at once by the worker
    page = client.get(response["Location"]).content.decode()
    assert "pull-ok" in page and "HTTP JSON" in page
    # "Pull now" queues another pull; its row joins the history.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/w/acme/sources/{source.pk}/", {"action": "pull"})
    assert Pull.objects.filter(source=source, ok=True).count() == 2
    # Removing the source keeps its values.
    client.post(f"/w/acme/sources/{source.pk}/", {"action": "delete"})
    assert not Source.objects.exists() and values(kpi)


def test_only_editors_manage_sources(client, kpi, teammate):
    client.force_login(teammate.user)
    assert client.get(f"/w/acme/sources/new/?kpi={kpi.pk}").status_code == 403
    assert client.get("/w/acme/sources/").status_code == 403


def test_a_private_key_result_and_its_source_stay_hidden(client, secret, workspace, vendor):
    source = services.source_save(
        workspace=workspace,
        kind="catch_hook",
        values={},
        key_result=secret["kr"],
        actor=None,
    )
    editor = secret["outsiders"]["editor"]
    client.force_login(editor.user)
    assert client.get(f"/w/acme/sources/new/?kr={secret['kr'].pk}").status_code == 404
    assert client.get(f"/w/acme/sources/{source.pk}/").status_code == 404
    assert secret["kr"].title not in client.get("/w/acme/sources/").content.decode()


def test_the_kinds_are_listed_by_the_cli_and_the_api(client, owner):
    from waypoint.workspaces import services as ws_services

    done = subprocess.run(
        [sys.executable, "-m", "waypoint.cli", "sources", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    listed = {k["key"]: k for k in json.loads(done.stdout)}
    assert {
        "http_json",
        "csv_url",
        "sql",
        "catch_hook",
        "github",
        "jira",
        "hubspot",
        "stripe",
    } <= set(listed)
    assert listed["hubspot"]["auth"] == "oauth2" and "count" in listed["jira"]["reads"]
    text = subprocess.run(
        [sys.executable, "-m", "waypoint.cli", "sources", "--lang", "pl"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "HubSpot" in text
    token = ws_services.token_create(member=owner, name="t", scope="read", actor=None)[1]
    api = client.get("/api/v1/source-kinds", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert {k["key"] for k in api.json()} == set(listed)


def test_changing_only_the_credentials_is_saved_and_audited_without_them(kpi, vendor):
    source = http_source(kpi, vendor)
    values = {
        "url": vendor.url + "/stats",
        "path": "$.rows[*]",
        "date_field": "day",
        "value_field": "n",
        "headers": "Authorization: Bearer the-new-one",
    }
    services.source_save(
        workspace=kpi.workspace, kind="http_json", values=values, source=source, actor=None
    )
    source.refresh_from_db()
    assert vault.decrypt(source.secret)["headers"].endswith("the-new-one")
    entry = AuditEntry.objects.filter(action="source.credentials").get()
    assert entry.after == {} and "the-new-one" not in json.dumps(entry.before or {})
