"""Reports: the web page, the PDF (WeasyPrint, charts as SVG) and read-only share links."""

import datetime as dt

from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_POST

from waypoint.lib import charts
from waypoint.lib.widgets import DateInput
from waypoint.workspaces import permissions
from waypoint.workspaces.forms import NamedChoicesField
from waypoint.workspaces.models import Role
from waypoint.workspaces.selectors import scoped_get
from waypoint.workspaces.web import apply_errors, workspace_view

from . import dashboards, selectors, services
from .models import (
    SECTION_KEYS,
    SECTIONS,
    Dashboard,
    Report,
    ReportSchedule,
    ReportTemplate,
    ShareLink,
)


class ReportForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    period_start = forms.DateField(label=gettext_lazy("From"), widget=DateInput())
    period_end = forms.DateField(label=gettext_lazy("To"), widget=DateInput())
    template = forms.ModelChoiceField(
        label=gettext_lazy("Template"),
        queryset=ReportTemplate.objects.none(),
        required=False,
        empty_label=gettext_lazy("(every section, the default contents)"),
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ReportTemplate.objects.filter(workspace=workspace)


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "External factors, what changed, what comes next: in your own words."
        ),
    )


class ScopeForm(forms.Form):
    teams = NamedChoicesField(
        label=gettext_lazy("Teams whose objectives it shows"),
        queryset=None,
        required=False,
        help_text=gettext_lazy("The company's objectives are always in it."),
    )
    kpis = NamedChoicesField(label=gettext_lazy("KPIs"), queryset=None, required=False)

    def __init__(self, *args, workspace, **kwargs):
        from waypoint.kpis.models import Kpi
        from waypoint.workspaces.models import Team

        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.filter(workspace=workspace).order_by("name")
        self.fields["kpis"].queryset = Kpi.objects.filter(workspace=workspace).order_by("name")


class TemplateForm(ScopeForm):
    """A report template: a name and its sections, and the contents of ``ScopeForm``."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    sections = forms.MultipleChoiceField(
        label=gettext_lazy("Sections"),
        choices=SECTIONS,
        widget=forms.CheckboxSelectMultiple,
        initial=list(SECTION_KEYS),
    )
    dashboard = forms.ModelChoiceField(
        label=gettext_lazy("Blocks of a dashboard"),
        queryset=Dashboard.objects.none(),
        required=False,
        help_text=gettext_lazy("Its funnel, charts and notes, drawn in the report too."),
    )
    field_order = ["name", "sections", "teams", "kpis", "dashboard"]

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, workspace=workspace, **kwargs)
        self.fields["dashboard"].queryset = Dashboard.objects.filter(workspace=workspace)


def _sent_only(request, reports):
    """A client sees the reports sent to them; the others, every report."""
    return reports.filter(sent_at__isnull=False) if request.member.role == Role.CLIENT else reports


@workspace_view(Role.CLIENT)
def reports(request):
    ws = request.workspace
    if request.member.role == Role.CLIENT:
        if request.method != "GET":
            raise PermissionDenied
        return render(
            request,
            "reports/client.html",
            {
                "reports": _sent_only(request, Report.objects.filter(workspace=ws)),
                "dashboards": Dashboard.objects.filter(workspace=ws),
            },
        )
    today = ws.today()
    last_month_end = today.replace(day=1) - dt.timedelta(days=1)
    form = ReportForm(
        request.POST or None,
        workspace=ws,
        initial={
            "title": _("%(workspace)s: report for %(month)s")
            % {"workspace": ws.name, "month": last_month_end.strftime("%Y-%m")},
            "period_start": last_month_end.replace(day=1),
            "period_end": last_month_end,
        },
    )
    if request.method == "POST":
        if request.member.role not in (Role.OWNER, Role.ADMIN, Role.EDITOR):
            raise PermissionDenied
        if form.is_valid():
            try:
                report = services.report_create(
                    workspace=ws, by=request.member, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("reports:detail", ws.slug, report.pk)

    schedule = ReportSchedule.objects.filter(workspace=ws).first()
    return render(
        request,
        "reports/list.html",
        {
            "form": form,
            "reports": Report.objects.filter(workspace=ws),
            "dashboard_links": selectors.active_links(ws, kind=ShareLink.Kind.DASHBOARD),
            "schedule": schedule,
            "schedule_form": ScheduleForm(
                workspace=ws,
                initial={
                    "recipients": schedule.recipients if schedule else "",
                    "active": schedule.active if schedule else True,
                    "template": schedule.template if schedule else None,
                    "send_as_drafted": schedule.send_as_drafted if schedule else False,
                },
            ),
            "templates": ReportTemplate.objects.filter(workspace=ws),
            "template_form": TemplateForm(workspace=ws),
            "sections": SECTIONS,
        },
    )


@require_POST
@workspace_view(Role.EDITOR)
def template_create(request):
    form = TemplateForm(request.POST, workspace=request.workspace)
    if form.is_valid():
        try:
            services.template_save(
                workspace=request.workspace, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Report template saved."))
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(reverse("reports:list", args=[request.workspace.slug]) + "#templates")


@require_POST
@workspace_view(Role.EDITOR)
def template_delete(request, pk):
    template = scoped_get(ReportTemplate, request.workspace, pk=pk)
    services.template_delete(template=template, actor=request.user)
    messages.success(request, _("Report template deleted."))
    return redirect(reverse("reports:list", args=[request.workspace.slug]) + "#templates")


class ScheduleForm(forms.Form):
    recipients = forms.CharField(
        label=gettext_lazy("Recipients"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("E-mail addresses, one a line; clients included."),
    )
    active = forms.BooleanField(
        label=gettext_lazy("Send last month's report as a PDF on the first Monday of each month"),
        required=False,
    )
    template = forms.ModelChoiceField(
        label=gettext_lazy("Template"),
        queryset=ReportTemplate.objects.none(),
        required=False,
        empty_label=gettext_lazy("(every section, the default contents)"),
    )
    send_as_drafted = forms.BooleanField(
        label=gettext_lazy("Send it with the drafted summary, without review"),
        required=False,
        help_text=gettext_lazy(
            "Otherwise the report is made with a drafted summary and its editors are asked "
            "to edit and send it."
        ),
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = ReportTemplate.objects.filter(workspace=workspace)


@require_POST
@workspace_view(Role.ADMIN)
def schedule(request):
    form = ScheduleForm(request.POST, workspace=request.workspace)
    if form.is_valid():
        try:
            services.schedule_save(
                workspace=request.workspace, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Report schedule saved."))
    else:
        messages.error(request, _("Give at least one recipient."))
    return redirect("reports:list", request.workspace.slug)


@workspace_view(Role.CLIENT)
def detail(request, pk):
    ws = request.workspace
    report = scoped_get(_sent_only(request, Report.objects.all()), ws, pk=pk)
    report.workspace = ws  # the one it was found in: not read again
    can_edit = request.member.role in (Role.OWNER, Role.ADMIN, Role.EDITOR)
    scoping = request.method == "POST" and request.POST.get("action") == "scope"
    form = SummaryForm(
        request.POST if request.method == "POST" and not scoping else None,
        initial={"summary": report.summary},
    )
    # What the report covers: an editor's form, folded on the page and built when opened
    # (``?scope=1``: alone for htmx, or in the page without JavaScript) or when sent.
    opening = request.method == "GET" and can_edit and request.GET.get("scope") == "1"
    scope_form = (
        ScopeForm(
            request.POST if scoping else None,
            workspace=ws,
            initial={"teams": report.teams.all(), "kpis": report.kpis.all()},
        )
        if scoping or opening
        else None
    )
    if opening and request.htmx:
        return render(
            request, "reports/_scope_form.html", {"report": report, "scope_form": scope_form}
        )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        action = request.POST.get("action")
        if action == "draft":
            services.report_draft_summary(report=report, actor=request.user)
            messages.success(request, _("Summary drafted from the period's data: edit it."))
            return redirect("reports:detail", ws.slug, report.pk)
        if action == "send":
            if form.is_valid():  # what was typed is what goes
                services.report_update(
                    report=report, actor=request.user, summary=form.cleaned_data["summary"]
                )
            try:
                services.report_send(report=report, actor=request.user)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            except OSError:
                messages.error(request, _("The e-mail could not be sent; try again later."))
            else:
                messages.success(request, _("Report sent."))
            return redirect("reports:detail", ws.slug, report.pk)
        if scoping and scope_form.is_valid():
            services.report_set_scope(
                report=report,
                teams=scope_form.cleaned_data["teams"],
                kpis=scope_form.cleaned_data["kpis"],
                actor=request.user,
            )
            messages.success(request, _("The report's contents are saved."))
            return redirect("reports:detail", ws.slug, report.pk)
        if not scoping and form.is_valid():
            services.report_update(
                report=report, actor=request.user, summary=form.cleaned_data["summary"]
            )
            messages.success(request, _("Summary saved."))
            return redirect("reports:detail", ws.slug, report.pk)
    links = report.share_links.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    return render(
        request,
        "reports/detail.html",
        {
            **selectors.report_context(report, language=request.LANGUAGE_CODE),
            "form": form,
            "scope_form": scope_form,
            "can_edit": can_edit,
            "links": links,
            "schedule": ReportSchedule.objects.filter(workspace=ws).first(),
        },
        status=422 if form.errors or (scope_form and scope_form.errors) else 200,
    )


def _pdf_response(report, language):
    response = HttpResponse(selectors.report_pdf(report, language), content_type="application/pdf")
    name = slugify(report.title) or "report"
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@workspace_view(Role.CLIENT)
def pdf(request, pk):
    found = scoped_get(_sent_only(request, Report.objects.all()), request.workspace, pk=pk)
    return _pdf_response(found, request.LANGUAGE_CODE)


@require_POST
@workspace_view(Role.EDITOR)
def share(request, pk):
    report = scoped_get(Report, request.workspace, pk=pk)
    try:
        days = int(request.POST.get("days", "30"))
        services.share_link_create(report=report, days=days, actor=request.user)
    except (ValueError, ValidationError):
        messages.error(request, _("A link lasts between 1 and 365 days."))
    else:
        messages.success(request, _("Share link created."))
    return redirect("reports:detail", request.workspace.slug, report.pk)


@require_POST
@workspace_view(Role.EDITOR)
def share_dashboard(request):
    try:
        days = int(request.POST.get("days", "30"))
        services.dashboard_link_create(workspace=request.workspace, days=days, actor=request.user)
    except (ValueError, ValidationError):
        messages.error(request, _("A link lasts between 1 and 365 days."))
    else:
        messages.success(request, _("Dashboard link created."))
    return redirect(f"{reverse('reports:list', args=[request.workspace.slug])}#share-dashboard")


@require_POST
@workspace_view(Role.EDITOR)
def unshare(request, pk):
    link = scoped_get(ShareLink, request.workspace, pk=pk)
    services.share_link_revoke(link=link, actor=request.user)
    messages.success(request, _("Share link revoked."))
    if link.report_id is None:
        return redirect(f"{reverse('reports:list', args=[request.workspace.slug])}#share-dashboard")
    return redirect("reports:detail", request.workspace.slug, link.report_id)


def _live_link(token) -> ShareLink:
    """The link behind a token if it still works; unknown, revoked and expired alike are 404."""
    link = get_object_or_404(
        ShareLink.objects.select_related("workspace", "report__workspace"), token=token
    )
    if link.revoked_at is not None or link.expires_at <= timezone.now():
        raise Http404("expired")
    return link


def _public(response):
    """Headers of every page seen through a share link: not indexed, not cached, and the
    token never leaks to another site through the Referer."""
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    add_never_cache_headers(response)
    return response


@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def shared_dashboard_frame(request, link):
    """A built dashboard through its link: read-only, what a share link may show, and
    embeddable in another site's page (an iframe); ``?wall=1`` is the wallboard."""
    dashboard = link.dashboard
    ws = link.workspace
    with timezone.override(ws.zone):
        return _public(
            render(
                request,
                "reports/dashboard_shared.html",
                {
                    "ws": ws,
                    "dashboard": dashboard,
                    "blocks": dashboards.content(dashboard, None, ws.today()),
                    "chart_locale": charts.vega_locale(request.LANGUAGE_CODE),
                    "wall": request.GET.get("wall") == "1",
                    "now": timezone.now(),
                    "shared": link,
                },
            )
        )


def shared(request, token):
    """A report, or a dashboard, for someone without an account: read-only, nothing
    else of the workspace reachable."""
    link = _live_link(token)
    if link.kind == ShareLink.Kind.DASHBOARD and link.dashboard_id:
        return shared_dashboard_frame(request, link)
    if link.kind == ShareLink.Kind.DASHBOARD:
        ws = link.workspace
        context = {
            **selectors.dashboard_content(ws, ws.today()),
            "ws": ws,
            "shared": link,
            "now": timezone.now(),
        }
        with timezone.override(ws.zone):  # "data as of" in the workspace's time
            return _public(render(request, "reports/dashboard.html", context))
    return _public(
        render(
            request,
            "reports/print.html",
            {
                **selectors.report_context(link.report, language=request.LANGUAGE_CODE),
                "shared": link,
            },
        )
    )


def shared_pdf(request, token):
    link = _live_link(token)
    if link.report is None:
        raise Http404("a dashboard has no PDF")
    return _public(_pdf_response(link.report, request.LANGUAGE_CODE))


# --- Dashboards ----------------------------------------------------------------------------


class DashboardForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    refresh_seconds = forms.IntegerField(
        label=gettext_lazy("Wallboard refresh (seconds)"), min_value=30, max_value=3600, initial=300
    )


class BlockForm(forms.Form):
    type = forms.ChoiceField(
        label=gettext_lazy("Block"),
        choices=[
            ("kpi", gettext_lazy("A KPI's chart")),
            ("funnel", gettext_lazy("A process's funnel")),
            ("okrs", gettext_lazy("OKR progress of the current cycle")),
            ("deviations", gettext_lazy("Open deviations")),
            ("annotations", gettext_lazy("Latest annotations")),
            ("text", gettext_lazy("Text")),
        ],
    )
    kpi = forms.TypedChoiceField(
        label=gettext_lazy("KPI"), required=False, coerce=int, empty_value=None
    )
    process = forms.TypedChoiceField(
        label=gettext_lazy("Process"), required=False, coerce=int, empty_value=None
    )
    text = forms.CharField(
        label=gettext_lazy("Text"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, workspace, **kwargs):
        from waypoint.kpis.models import Kpi, Process

        super().__init__(*args, **kwargs)
        self.fields["kpi"].choices = [
            ("", "—"),
            *list(
                Kpi.objects.filter(workspace=workspace)
                .order_by("name")
                .values_list("pk", "name")[:500]
            ),
        ]
        self.fields["process"].choices = [
            ("", "—"),
            *list(
                Process.objects.filter(workspace=workspace)
                .order_by("name")
                .values_list("pk", "name")
            ),
        ]

    def block(self) -> dict:
        data = self.cleaned_data
        return {
            "type": data["type"],
            "kpi": data.get("kpi"),
            "process": data.get("process"),
            "text": data.get("text", ""),
        }


def _reader(request):
    """Whom a dashboard's content is read for: a client reads what a share link shows."""
    return None if request.member.role == Role.CLIENT else request.member


@workspace_view(Role.CLIENT)
def dashboards_list(request):
    ws = request.workspace
    form = DashboardForm(request.POST or None)
    if request.method == "POST":
        if not permissions.can_edit_all(request.member):
            raise PermissionDenied
        if form.is_valid():
            try:
                found = dashboards.dashboard_save(
                    workspace=ws, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("reports:dashboard", ws.slug, found.pk)
    return render(
        request,
        "reports/dashboards.html",
        {
            "dashboards": Dashboard.objects.filter(workspace=ws),
            "form": form,
            "can_edit": permissions.can_edit_all(request.member),
        },
        status=422 if request.method == "POST" else 200,
    )


@workspace_view(Role.CLIENT)
def dashboard_view(request, pk):
    """A dashboard, and for editors its builder: add, move and remove blocks, rename, share."""
    ws = request.workspace
    dashboard = scoped_get(Dashboard, ws, pk=pk)
    can_edit = permissions.can_edit_all(request.member)
    block_form = BlockForm(workspace=ws)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action:
        if not can_edit:
            raise PermissionDenied
        blocks = list(dashboard.blocks)
        try:
            index = int(request.POST.get("index", "-1"))
        except ValueError:
            index = -1
        try:
            if action == "add":
                block_form = BlockForm(request.POST, workspace=ws)
                if not block_form.is_valid():
                    raise ValidationError(block_form.errors.get("type") or _("Choose a block."))
                dashboards.dashboard_save(
                    workspace=ws,
                    actor=request.user,
                    dashboard=dashboard,
                    blocks=[*blocks, block_form.block()],
                )
            elif action in ("up", "down", "remove") and 0 <= index < len(blocks):
                if action == "remove":
                    blocks.pop(index)
                else:
                    other = index - 1 if action == "up" else index + 1
                    if 0 <= other < len(blocks):
                        blocks[index], blocks[other] = blocks[other], blocks[index]
                dashboards.dashboard_save(
                    workspace=ws, actor=request.user, dashboard=dashboard, blocks=blocks
                )
            elif action == "settings":
                form = DashboardForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(
                        _("Name the dashboard and its refresh (30 to 3600 seconds).")
                    )
                dashboards.dashboard_save(
                    workspace=ws, actor=request.user, dashboard=dashboard, **form.cleaned_data
                )
            elif action == "share":
                services.dashboard_link_create(
                    workspace=ws,
                    days=int(request.POST.get("days", "30")),
                    actor=request.user,
                    dashboard=dashboard,
                )
                messages.success(request, _("Dashboard link created."))
            elif action == "delete":
                dashboards.dashboard_delete(dashboard=dashboard, actor=request.user)
                messages.success(request, _("Dashboard deleted."))
                return redirect("reports:dashboards", ws.slug)
        except (ValidationError, ValueError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            if action == "add":
                page = reverse("reports:dashboard", args=[ws.slug, dashboard.pk])
                return redirect(f"{page}#block-{len(dashboard.blocks) - 1}")
            return redirect("reports:dashboard", ws.slug, dashboard.pk)
    links = ShareLink.objects.filter(
        dashboard=dashboard, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).order_by("-created_at")
    return render(
        request,
        "reports/dashboard_built.html",
        {
            "dashboard": dashboard,
            "blocks": dashboards.content(dashboard, _reader(request), ws.today()),
            "chart_locale": charts.vega_locale(request.LANGUAGE_CODE),
            "can_edit": can_edit,
            "block_form": block_form,
            "settings_form": DashboardForm(
                initial={"name": dashboard.name, "refresh_seconds": dashboard.refresh_seconds}
            ),
            "links": links if can_edit else [],
        },
    )


@workspace_view(Role.CLIENT)
def dashboard_wall(request, pk):
    """The wallboard: the dashboard full screen, refreshing itself."""
    ws = request.workspace
    dashboard = scoped_get(Dashboard, ws, pk=pk)
    return render(
        request,
        "reports/dashboard_shared.html",
        {
            "ws": ws,
            "dashboard": dashboard,
            "blocks": dashboards.content(dashboard, _reader(request), ws.today()),
            "chart_locale": charts.vega_locale(request.LANGUAGE_CODE),
            "wall": True,
            "now": timezone.now(),
        },
    )
