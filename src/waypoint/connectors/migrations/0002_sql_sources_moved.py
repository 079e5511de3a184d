"""The SQL sources of integrations.KpiSource become data sources of the kind "sql", their
database URL (which may hold a password) encrypted."""

from django.db import migrations


def forward(apps, schema_editor):
    from waypoint.lib import vault

    KpiSource = apps.get_model("integrations", "KpiSource")
    Source = apps.get_model("connectors", "Source")
    for old in KpiSource.objects.select_related("kpi").iterator():
        Source.objects.create(
            workspace_id=old.kpi.workspace_id,
            kind="sql",
            kpi_id=old.kpi_id,
            settings={"query": old.query},
            secret=vault.encrypt({"url": old.url}),
            every_minutes=old.every_minutes,
            next_run_at=old.next_run_at,
            last_run_at=old.last_run_at,
            last_error=old.last_error,
            last_count=old.last_count,
            failures=old.failures,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0001_initial"),
        ("integrations", "0008_new_notification_kinds"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
