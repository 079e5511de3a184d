"""The agency's side: a new client workspace made from a template workspace.

Seed 003's agency starts each client from the same kit. A template is any workspace the
agency runs (a model client): the new one gets its processes and KPIs (thresholds, target,
frequency, funnel stages), its data sources to fill in (the kind and the settings, never the
credentials: each client connects its own accounts), its report templates and the monthly
schedule (off until the client's addresses are filled in), and its dashboards, every block
pointing at the new client's own KPIs. No person, objective or data point is copied.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waypoint.connectors.models import Source
from waypoint.kpis import services as kpi_services
from waypoint.kpis.models import Kpi, Process
from waypoint.workspaces import audit, permissions
from waypoint.workspaces import services as ws_services
from waypoint.workspaces.models import Workspace

from . import dashboards
from .models import Dashboard, ReportSchedule, ReportTemplate

# What a KPI is, without whom it belongs to or what it serves in the template's own OKRs.
KPI_COPIED = tuple(
    sorted(kpi_services.KPI_FIELDS - {"owner", "team", "process", "serves", "template"})
)


@transaction.atomic
def client_create(*, template: Workspace, name: str, slug: str, user, actor) -> Workspace:
    """A new workspace for a client, owned by ``user``, from ``template``, which ``user``
    must administer. All of it, or nothing."""
    from waypoint.workspaces.selectors import member_of

    if not permissions.can_admin(member_of(template, user)):
        raise ValidationError({"template": _("Use a workspace you administer as the template.")})
    ws = ws_services.workspace_create(name=name, slug=slug, owner=user, actor=actor)
    for field in ("time_zone", "language", "brand_colour", "checkin_weekday"):
        setattr(ws, field, getattr(template, field))
    ws.save(update_fields=["time_zone", "language", "brand_colour", "checkin_weekday"])
    owner = ws.members.get(user=user)
    processes = {}
    for process in Process.objects.filter(workspace=template).order_by("pk"):
        processes[process.pk] = kpi_services.process_ensure(
            workspace=ws, name=process.name, actor=actor
        )
    kpis = {}
    for kpi in Kpi.objects.filter(workspace=template).order_by("pk"):
        kpis[kpi.pk] = kpi_services.kpi_create(
            workspace=ws,
            actor=actor,
            owner=owner,
            process=processes.get(kpi.process_id),
            **{field: getattr(kpi, field) for field in KPI_COPIED},
        )
    for source in Source.objects.filter(workspace=template, kpi__isnull=False).order_by("pk"):
        copy = Source.objects.create(
            workspace=ws,
            kind=source.kind,
            kpi=kpis[source.kpi_id],
            settings=source.settings,
            every_minutes=source.every_minutes,
            # Not pulled until the client's credentials are in (the page says what is missing).
            last_error=_("Make this hook's address.")
            if source.kind == "catch_hook"
            else _("Connect this source: fill in its credentials.")
            if source.secret
            else "",
            # One that needs nothing of the client's is pulled at once.
            next_run_at=timezone.now()
            if source.kind != "catch_hook" and not source.secret
            else None,
        )
        audit.record(
            workspace=ws, actor=actor, action="source.save", obj=copy, after=audit.snapshot(copy)
        )
    boards = {}
    for dashboard in Dashboard.objects.filter(workspace=template):
        blocks = []
        for block in dashboard.blocks:
            if block["type"] == "kpi":
                if block["kpi"] not in kpis:
                    continue
                block = {**block, "kpi": kpis[block["kpi"]].pk}
            elif block["type"] == "funnel":
                if block["process"] not in processes:
                    continue
                block = {**block, "process": processes[block["process"]].pk}
            blocks.append(block)
        boards[dashboard.pk] = dashboards.dashboard_save(
            workspace=ws,
            actor=actor,
            name=dashboard.name,
            blocks=blocks,
            refresh_seconds=dashboard.refresh_seconds,
        )
    templates = {}
    for report_template in ReportTemplate.objects.filter(workspace=template).prefetch_related(
        "kpis"
    ):
        copy = ReportTemplate.objects.create(
            workspace=ws,
            name=report_template.name,
            sections=report_template.sections,
            dashboard=boards.get(report_template.dashboard_id),
        )
        copy.kpis.set([kpis[k.pk] for k in report_template.kpis.all() if k.pk in kpis])
        templates[report_template.pk] = copy
    schedule = ReportSchedule.objects.filter(workspace=template).first()
    if schedule is not None:
        ReportSchedule.objects.create(
            workspace=ws,
            recipients="",
            active=False,
            template=templates.get(schedule.template_id),
            send_as_drafted=schedule.send_as_drafted,
        )
    audit.record(
        workspace=ws,
        actor=actor,
        action="workspace.from_template",
        obj=ws,
        after={"template": template.slug},
    )
    return ws
