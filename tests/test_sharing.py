"""The workspace's logo on reports and share links, and the share link to the live dashboard.

Personas: Olivia the owner of Acme, Tess a teammate (member), an outsider who owns Rival,
and a client without an account who opens the links.
"""

import datetime as dt
import io
import os
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image, PngImagePlugin

from waypoint.kpis import services as kpis
from waypoint.okrs import services as okr
from waypoint.reports import services as reports
from waypoint.reports.models import ShareLink
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import AuditEntry, Role, Workspace

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def image_bytes(fmt="PNG", size=(1200, 300), colour=(13, 148, 136), noise=False, **save):
    if noise:
        img = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        img = Image.new("RGB", size, colour)
    out = io.BytesIO()
    img.save(out, format=fmt, **save)
    return out.getvalue()


def upload(name, data, content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def olivia(client, owner_user):
    client.force_login(owner_user)
    return client


# --- The logo ---------------------------------------------------------------------------------


def test_an_owner_uploads_a_logo_stored_as_a_small_png_without_metadata(olivia, workspace):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret-payload-in-metadata")
    data = image_bytes(size=(1200, 300), pnginfo=info)
    assert b"secret-payload-in-metadata" in data

    response = olivia.post("/w/acme/settings/logo/", {"logo": upload("logo.png", data)})

    assert response.status_code == 302
    workspace.refresh_from_db()
    stored = bytes(workspace.logo)
    assert stored.startswith(PNG_SIGNATURE)
    assert b"secret-payload-in-metadata" not in stored
    with Image.open(io.BytesIO(stored)) as img:
        assert img.format == "PNG" and img.size == (400, 100)  # aspect ratio kept
    entry = AuditEntry.objects.get(action="workspace.logo")
    assert entry.before["logo"] is None and entry.after["logo"].startswith("sha256:")
    assert len(str(entry.after)) < 1000  # a hash, not the bytes


@pytest.mark.parametrize(
    ("fmt", "size", "expected"),
    [("JPEG", (800, 800), (160, 160)), ("WEBP", (300, 100), (300, 100))],
)
def test_jpeg_and_webp_logos_are_re_encoded_to_png_within_400_by_160(
    workspace, fmt, size, expected
):
    ws_services.workspace_set_logo(
        workspace=workspace, image=image_bytes(fmt, size=size), actor=None
    )
    with Image.open(io.BytesIO(bytes(Workspace.objects.get(pk=workspace.pk).logo))) as img:
        assert img.format == "PNG" and img.size == expected


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "notes.png",
            b"This is a text file wearing a .png name.\n" * 20,
            "not a PNG, JPEG or WebP",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "not a PNG, JPEG or WebP",
        ),
        ("logo.gif", image_bytes("GIF", size=(40, 40)), "not a PNG, JPEG or WebP"),
        ("broken.png", image_bytes(size=(400, 160))[:60], "not a PNG, JPEG or WebP"),
        ("huge.png", image_bytes(size=(800, 800), noise=True), "larger than 1 MB"),
    ],
    ids=["text-as-png", "svg", "gif", "truncated-png", "over-1-mb"],
)
def test_a_file_that_is_not_an_accepted_logo_is_refused_and_nothing_saved(
    olivia, workspace, name, data, message
):
    response = olivia.post("/w/acme/settings/logo/", {"logo": upload(name, data)})

    assert response.status_code == 422
    assert message in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.logo is None
    assert not AuditEntry.objects.filter(action="workspace.logo").exists()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_a_truncated_image_is_refused_even_once_weasyprint_is_loaded(workspace, fmt):
    import weasyprint  # noqa: F401  (it lets Pillow load truncated images, process-wide)

    data = image_bytes(fmt, size=(300, 300), noise=True)
    with pytest.raises(ValidationError):
        ws_services.workspace_set_logo(
            workspace=workspace, image=data[: len(data) // 2], actor=None
        )
    assert Workspace.objects.get(pk=workspace.pk).logo is None


def test_the_service_refuses_too_many_bytes_whoever_calls_it(workspace):
    with pytest.raises(ValidationError) as exc:
        ws_services.workspace_set_logo(
            workspace=workspace, image=b"\0" * (1024 * 1024 + 1), actor=None
        )
    assert "1 MB" in exc.value.message_dict["logo"][0]


def test_a_logo_can_be_removed(olivia, workspace):
    ws_services.workspace_set_logo(workspace=workspace, image=image_bytes(), actor=None)
    page = olivia.get("/w/acme/settings/").content.decode()
    assert "Remove logo" in page and "data:image/png;base64," in page

    olivia.post("/w/acme/settings/logo/", {"remove": "1"})

    workspace.refresh_from_db()
    assert not workspace.has_logo
    removal = AuditEntry.objects.filter(action="workspace.logo").first()
    assert removal.before["logo"].startswith("sha256:") and removal.after["logo"] is None


def test_a_member_cannot_change_the_logo(client, workspace, teammate):
    client.force_login(teammate.user)
    response = client.post("/w/acme/settings/logo/", {"logo": upload("l.png", image_bytes())})
    assert response.status_code == 403
    workspace.refresh_from_db()
    assert workspace.logo is None


def test_the_logo_shows_small_in_the_top_bar_for_members_only(olivia, client, workspace):
    ws_services.workspace_set_logo(workspace=workspace, image=image_bytes(), actor=None)
    workspace.refresh_from_db()
    page = olivia.get("/w/acme/").content.decode()
    assert f'src="/w/acme/logo.png?v={workspace.logo_version}"' in page
    image = olivia.get("/w/acme/logo.png")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content if image.streaming else [image.content]).startswith(
        PNG_SIGNATURE
    )
    client.logout()
    assert client.get("/w/acme/logo.png").status_code == 302  # to the login


def _tool(name):
    if shutil.which(name) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing: .ci/run installs poppler-utils")
        pytest.skip(f"{name} (poppler-utils) is needed")


def _images_in_pdf(data, tmp_path) -> list[list[str]]:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    listing = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return [line.split() for line in listing.splitlines()[2:] if line.strip()]


def test_the_logo_is_in_the_report_pdf_and_on_the_shared_report(
    client, workspace, quarter, objective, tmp_path
):
    from waypoint.reports.selectors import report_pdf as _pdf

    _tool("pdfimages")
    report = reports.report_create(
        workspace=workspace,
        title="Acme: Q1",
        period_start=quarter.start,
        period_end=quarter.end,
        by=None,
        actor=None,
    )
    assert _images_in_pdf(_pdf(report, "en"), tmp_path) == []

    ws_services.workspace_set_logo(
        workspace=workspace, image=image_bytes(size=(800, 200)), actor=None
    )
    report.refresh_from_db()
    report.workspace.refresh_from_db()

    (image,) = _images_in_pdf(_pdf(report, "en"), tmp_path)
    assert image[3:5] == ["400", "100"]  # width and height of the stored logo
    link = reports.share_link_create(report=report, days=3, actor=None)
    shared = client.get(f"/share/{link.token}/").content.decode()
    assert 'class="report-logo" src="data:image/png;base64,' in shared
    client.force_login(workspace.members.get(role="owner").user)
    cycle_pdf = client.get(f"/w/acme/cycles/{quarter.pk}/export/pdf/").content
    (image,) = _images_in_pdf(cycle_pdf, tmp_path)
    assert image[3:5] == ["400", "100"]  # the cycle PDF carries the logo too


# --- The live dashboard -----------------------------------------------------------------------


@pytest.fixture
def acme_now(workspace, owner, teammate, owner_user):
    """Acme today: a running quarter with a shared, a private and an archived objective,
    and a weekly KPI with values in the last weeks."""
    today = timezone.localdate()
    cycle = okr.cycle_create(
        workspace=workspace,
        name="This quarter",
        start=today - dt.timedelta(days=30),
        end=today + dt.timedelta(days=60),
        actor=None,
    )
    okr.cycle_set_current(cycle=cycle, actor=None)
    shared = okr.objective_create(
        workspace=workspace,
        cycle=cycle,
        title="Customers love our onboarding",
        level="company",
        owner=owner,
        actor=None,
    )
    kr = okr.key_result_create(
        objective=shared,
        title="Raise NPS of new customers from 55 to 66",
        start=55,
        target=66,
        unit="points",
        owner=teammate,
        actor=None,
    )
    okr.checkin_create(key_result=kr, date=today - dt.timedelta(days=2), value=60, actor=None)
    okr.objective_create(
        workspace=workspace,
        cycle=cycle,
        title="Quietly acquire Rival",
        private=True,
        owner=owner,
        actor=None,
    )
    archived = okr.objective_create(
        workspace=workspace, cycle=cycle, title="Old idea we dropped", owner=owner, actor=None
    )
    okr.objective_archive(objective=archived, actor=None)
    kpi = kpis.kpi_create(
        workspace=workspace,
        actor=None,
        name="Support first response (hours)",
        unit="h",
        direction="lower_is_better",
        aggregation="average",
        target=4,
        warning=6,
        critical=8,
        owner=teammate,
    )
    kpis.data_points_record(
        kpi=kpi,
        rows=[(today - dt.timedelta(days=7 * i), 3.5 + i) for i in range(5)],
        actor=None,
    )
    return {"cycle": cycle, "shared": shared, "kr": kr, "kpi": kpi, "today": today}


def test_a_dashboard_link_shows_the_current_okrs_and_kpis_to_someone_logged_out(
    client, workspace, acme_now
):
    link = reports.dashboard_link_create(workspace=workspace, days=30, actor=None)

    response = client.get(f"/share/{link.token}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Live dashboard" in page and "Acme" in page and "This quarter" in page
    assert "Customers love our onboarding" in page
    assert "Raise NPS of new customers from 55 to 66" in page
    assert "60 / 66 points" in page and "45%" in page  # (60 - 55) / (66 - 55)
    assert "Support first response (hours)" in page and "3.5</strong> h" in page
    assert "Healthy" in page and '<svg class="spark healthy"' in page


def test_the_dashboard_shows_nothing_else_of_the_workspace(client, workspace, acme_now):
    link = reports.dashboard_link_create(workspace=workspace, days=30, actor=None)

    page = client.get(f"/share/{link.token}/").content.decode()

    assert "Quietly acquire Rival" not in page  # private
    assert "Old idea we dropped" not in page  # archived
    assert "@" not in page.replace("@media", "")  # no e-mail address at all
    assert "Olivia Owner" not in page and "Tess Teammate" not in page
    assert "/w/acme" not in page and "<form" not in page


def test_share_pages_are_not_indexed_cached_or_leaking_the_token(client, workspace, acme_now):
    link = reports.dashboard_link_create(workspace=workspace, days=30, actor=None)

    response = client.get(f"/share/{link.token}/")

    assert response["Referrer-Policy"] == "no-referrer"
    assert "noindex" in response["X-Robots-Tag"] and "no-store" in response["Cache-Control"]
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def test_the_dashboard_follows_the_data_at_each_visit(client, workspace, acme_now):
    link = reports.dashboard_link_create(workspace=workspace, days=30, actor=None)
    okr.checkin_create(key_result=acme_now["kr"], date=acme_now["today"], value=66, actor=None)

    page = client.get(f"/share/{link.token}/").content.decode()

    assert "66 / 66 points" in page and "100%" in page


def test_the_dashboard_shows_the_logo_next_to_the_workspace_name(client, workspace, acme_now):
    ws_services.workspace_set_logo(workspace=workspace, image=image_bytes(), actor=None)
    link = reports.dashboard_link_create(workspace=workspace, days=30, actor=None)

    page = client.get(f"/share/{link.token}/").content.decode()

    assert 'class="share-logo" src="data:image/png;base64,' in page


def test_revoked_expired_and_unknown_dashboard_links_are_404(client, workspace, acme_now):
    revoked = reports.dashboard_link_create(workspace=workspace, days=30, actor=None)
    expired = reports.dashboard_link_create(workspace=workspace, days=1, actor=None)
    ShareLink.objects.filter(pk=expired.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get(f"/share/{revoked.token}/").status_code == 200

    reports.share_link_revoke(link=revoked, actor=None)

    assert client.get(f"/share/{revoked.token}/").status_code == 404
    assert client.get(f"/share/{expired.token}/").status_code == 404
    assert client.get("/share/no-such-token/").status_code == 404


def test_a_dashboard_link_has_no_pdf(client, workspace, acme_now):
    link = reports.dashboard_link_create(workspace=workspace, days=30, actor=None)
    assert client.get(f"/share/{link.token}/pdf/").status_code == 404


def test_an_editor_creates_lists_and_revokes_dashboard_links(client, workspace, acme_now):
    editor = ws_services.member_ensure(
        workspace=workspace, email="ed@acme.test", role=Role.EDITOR, actor=None
    )
    client.force_login(editor.user)

    response = client.post("/w/acme/reports/dashboard-links/", {"days": "14"})

    assert response.status_code == 302
    link = ShareLink.objects.get(workspace=workspace)
    assert link.kind == ShareLink.Kind.DASHBOARD and link.report is None
    assert dt.timedelta(days=13) < link.expires_at - timezone.now() <= dt.timedelta(days=14)
    assert AuditEntry.objects.filter(action="share_link.create", object_id=link.pk).exists()
    page = client.get("/w/acme/reports/").content.decode()
    assert f"/share/{link.token}/" in page

    client.post(f"/w/acme/share-links/{link.pk}/revoke/")

    link.refresh_from_db()
    assert link.revoked_at is not None
    assert f"/share/{link.token}/" not in client.get("/w/acme/reports/").content.decode()


@pytest.mark.parametrize("days", ["0", "366", "soon"])
def test_a_dashboard_link_lasts_between_1_and_365_days(olivia, workspace, days):
    response = olivia.post("/w/acme/reports/dashboard-links/", {"days": days}, follow=True)
    assert "between 1 and 365 days" in response.content.decode()
    assert not ShareLink.objects.exists()


def test_another_workspaces_member_cannot_revoke_a_dashboard_link(
    client, workspace, other_workspace, acme_now
):
    link = reports.dashboard_link_create(workspace=workspace, days=30, actor=None)
    client.force_login(other_workspace.members.get().user)

    assert client.post(f"/w/rival/share-links/{link.pk}/revoke/").status_code == 404
    assert client.post(f"/w/acme/share-links/{link.pk}/revoke/").status_code == 404

    link.refresh_from_db()
    assert link.revoked_at is None
    client.logout()
    assert client.get(f"/share/{link.token}/").status_code == 200


def test_a_link_is_either_to_a_report_or_to_the_dashboard(workspace):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ShareLink.objects.create(
            workspace=workspace,
            kind=ShareLink.Kind.REPORT,
            report=None,
            token="t",
            expires_at=timezone.now(),
        )


def test_the_dashboard_does_the_same_queries_for_more_data(
    client, workspace, owner, acme_now, django_assert_max_num_queries
):
    """Ten times the objectives, key results, check-ins, KPIs and data points: same queries."""
    link = reports.dashboard_link_create(workspace=workspace, days=30, actor=None)
    today = acme_now["today"]
    url = f"/share/{link.token}/"
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200

    for i in range(10):
        o = okr.objective_create(
            workspace=workspace, cycle=acme_now["cycle"], title=f"O{i}", owner=owner, actor=None
        )
        for j in range(3):
            kr = okr.key_result_create(
                objective=o, title=f"KR {i}.{j} from 0 to 10", start=0, target=10, actor=None
            )
            okr.checkin_create(key_result=kr, date=today, value=j, actor=None)
        kpi = kpis.kpi_create(workspace=workspace, actor=None, name=f"KPI {i}", target=10)
        kpis.data_points_record(
            kpi=kpi, rows=[(today - dt.timedelta(days=7 * w), w) for w in range(6)], actor=None
        )

    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url)
    assert page.status_code == 200 and "KR 9.2 from 0 to 10" in page.content.decode()
    assert len(small.captured_queries) <= 12
