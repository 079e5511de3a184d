"""Each KPI keeps its recent periods beside its status (``Kpi.recent``), so that the board,
the processes page and reports read no data point; filled here for the KPIs there are."""

import datetime as dt
import zoneinfo

from django.db import migrations, models
from django.utils import timezone


def fill(apps, schema_editor):
    """The recent periods and status of each KPI, as kpis.services.kpi_evaluate keeps them."""
    from waypoint.kpis.selectors import SPARK_PERIODS, WINDOW_DAYS
    from waypoint.lib import kpi as maths

    Kpi = apps.get_model("kpis", "Kpi")
    DataPoint = apps.get_model("kpis", "DataPoint")
    for kpi in Kpi.objects.select_related("workspace"):
        try:
            zone = zoneinfo.ZoneInfo(kpi.workspace.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = dt.timezone.utc
        today = timezone.now().astimezone(zone).date()
        last = (
            DataPoint.objects.filter(kpi=kpi).order_by("-date").values_list("date", flat=True)
        ).first()
        if last is None:
            continue
        since = maths.period_of(
            last - dt.timedelta(days=WINDOW_DAYS[kpi.frequency]), kpi.frequency
        )[0]
        points = (
            DataPoint.objects.filter(kpi=kpi, date__gte=since)
            .order_by("date")
            .values_list("date", "value")
        )
        periods = maths.periods(
            points,
            frequency=kpi.frequency,
            method=kpi.aggregation,
            thresholds=maths.Thresholds(
                direction=kpi.direction,
                warning=kpi.warning,
                critical=kpi.critical,
                warning_high=kpi.warning_high,
                critical_high=kpi.critical_high,
            ),
            today=today,
        )
        Kpi.objects.filter(pk=kpi.pk).update(
            status=(periods[-1].status if periods else None) or "",
            recent=maths.stored(periods, SPARK_PERIODS),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0004_help_without_seed"),
    ]

    operations = [
        migrations.AddField(
            model_name="kpi",
            name="recent",
            field=models.JSONField(
                blank=True, default=list, editable=False, verbose_name="recent periods"
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
