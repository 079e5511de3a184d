"""The operators' admin: every model is there, and edits made there are audited."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from waypoint.workspaces.models import AuditEntry


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser(
        email="ops@waypoint.test", password="pw-ops-123"
    )


def test_every_model_has_an_admin():
    for app in ("workspaces", "okrs", "kpis", "coach", "integrations", "reports"):
        for model in apps.get_app_config(app).get_models():
            assert admin.site.is_registered(model), model


@pytest.mark.parametrize("app", ["workspaces", "okrs", "kpis", "coach", "integrations", "reports"])
def test_every_admin_list_and_add_page_opens(client, operator, app, key_result):
    client.force_login(operator)
    for model in apps.get_app_config(app).get_models():
        info = (model._meta.app_label, model._meta.model_name)
        assert client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200, model
        add = client.get(reverse("admin:{}_{}_add".format(*info)))
        assert add.status_code in (200, 403), model


def test_an_edit_in_the_admin_leaves_an_audit_row(client, operator, workspace):
    client.force_login(operator)
    url = reverse("admin:workspaces_workspace_change", args=[workspace.pk])
    form = {
        "name": "Acme Renamed",
        "slug": "acme",
        "time_zone": "UTC",
        "language": "en",
        "brand_colour": "#1d4ed8",
        "slack_webhook_url": "",
        "provisioned_role": "member",
        "members-TOTAL_FORMS": "0",
        "members-INITIAL_FORMS": "0",
    }
    response = client.post(url, form)
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.workspace.update")
    assert entry.actor == operator
    assert entry.before["name"] == "Acme" and entry.after["name"] == "Acme Renamed"


def test_check_ins_cannot_be_changed_or_deleted_in_the_admin(client, operator, key_result):
    import datetime as dt

    from waypoint.okrs import services

    ci = services.checkin_create(
        key_result=key_result, date=dt.date(2026, 1, 5), value=56, actor=None
    )
    client.force_login(operator)
    url = reverse("admin:okrs_checkin_change", args=[ci.pk])
    response = client.post(url, {"value": "99"})
    ci.refresh_from_db()
    assert ci.value == 56
    assert response.status_code in (200, 403)
    assert (
        client.post(reverse("admin:okrs_checkin_delete", args=[ci.pk]), {"post": "yes"}).status_code
        == 403
    )
