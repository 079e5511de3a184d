"""Writes to KPIs, data points, deviations, annotations and alerts; each audited.

Data arriving is the one moment a KPI changes: ``data_points_record`` writes the values,
then judges the KPI's latest period (opening, escalating or closing its deviation and
alerting its owner) and moves the key results that track it with automatic check-ins.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waypoint.jobs import queue as events
from waypoint.lib import bulk
from waypoint.lib import kpi as maths
from waypoint.okrs import services as okr_services
from waypoint.okrs.models import CheckIn, Cycle, Initiative, KeyResult, Objective
from waypoint.workspaces import audit
from waypoint.workspaces.models import Member, User, Workspace
from waypoint.workspaces.services import check_dates, same_workspace

from .models import Annotation, DataPoint, Deviation, DeviationResponse, Kpi, KpiPlan, Process

KPI_FIELDS = {
    "name",
    "description",
    "unit",
    "direction",
    "frequency",
    "aggregation",
    "target",
    "warning",
    "critical",
    "warning_high",
    "critical_high",
    "owner",
    "team",
    "process",
    "stage",
    "stage_position",
    "serves",
    "template",
}


def _check_kpi(workspace: Workspace, values: dict) -> None:
    if not (values.get("name") or "").strip():
        raise ValidationError({"name": _("A KPI needs a name.")})
    choices = {
        "direction": Kpi.Direction,
        "frequency": Kpi.Frequency,
        "aggregation": Kpi.Aggregation,
    }
    for field, enum in choices.items():
        if values.get(field) not in enum.values:
            raise ValidationError({field: _("Unknown value.")})
    errors = maths.threshold_errors(
        maths.Thresholds(
            direction=values["direction"],
            warning=values.get("warning"),
            critical=values.get("critical"),
            warning_high=values.get("warning_high"),
            critical_high=values.get("critical_high"),
        )
    )
    if errors:
        messages = {
            "critical": _("The critical threshold lies on the wrong side of the warning one."),
            "warning_high": _("A band needs a low and a high warning threshold, low below high."),
            "critical_high": _(
                "The upper critical threshold must not be below the upper warning one."
            ),
        }
        raise ValidationError({f: messages[f] for f in errors})
    for field in ("owner", "team", "process", "serves"):
        same_workspace(workspace, field, values.get(field))


@transaction.atomic
def process_ensure(*, workspace: Workspace, name: str, actor: User | None) -> Process:
    name = name.strip()
    process = Process.objects.filter(workspace=workspace, name__iexact=name).first()
    if process is None:
        process = Process.objects.create(workspace=workspace, name=name)
        audit.record(
            workspace=workspace,
            actor=actor,
            action="process.create",
            obj=process,
            after=audit.snapshot(process),
        )
    return process


@transaction.atomic
def kpi_create(*, workspace: Workspace, actor: User | None, **fields) -> Kpi:
    unknown = set(fields) - KPI_FIELDS
    if unknown:
        raise TypeError(f"cannot set {sorted(unknown)}")
    values = {
        "direction": Kpi.Direction.HIGHER,
        "frequency": Kpi.Frequency.WEEKLY,
        "aggregation": Kpi.Aggregation.SUM,
        **fields,
    }
    _check_kpi(workspace, values)
    kpi = Kpi.objects.create(workspace=workspace, **values)
    audit.record(
        workspace=workspace, actor=actor, action="kpi.create", obj=kpi, after=audit.snapshot(kpi)
    )
    return kpi


@transaction.atomic
def kpi_update(*, kpi: Kpi, actor: User | None, **fields) -> Kpi:
    unknown = set(fields) - KPI_FIELDS
    if unknown:
        raise TypeError(f"cannot set {sorted(unknown)}")
    merged = {f: fields.get(f, getattr(kpi, f)) for f in KPI_FIELDS}
    _check_kpi(kpi.workspace, merged)
    audit.save_changes(
        kpi, actor=actor, action="kpi.update", workspace=kpi.workspace, fields=fields
    )
    kpi_evaluate(kpi=kpi, actor=actor)  # new thresholds can open or close a deviation
    return kpi


@transaction.atomic
def kpi_delete(*, kpi: Kpi, actor: User | None) -> None:
    audit.record(
        workspace=kpi.workspace,
        actor=actor,
        action="kpi.delete",
        obj=kpi,
        before=audit.snapshot(kpi),
    )
    kpi.delete()


# --- Data points --------------------------------------------------------------------------


@dataclass
class RecordResult:
    created: int = 0
    replaced: int = 0
    unchanged: int = 0


BATCH = 2000
_MISSING = object()
# A data point as a plain row, in the order ``lib.bulk.insert`` writes it.
POINT_COLUMNS = (
    "workspace_id",
    "kpi_id",
    "date",
    "value",
    "author_id",
    "created_at",
    "updated_at",
)


@transaction.atomic
def data_points_record(
    *,
    kpi: Kpi,
    rows: Iterable[tuple[dt.date, float]],
    author: Member | None = None,
    actor: User | None,
    progress: Callable[[int], None] | None = None,
) -> RecordResult:
    """Write values by date (all or nothing); a new value for a known date replaces the old.

    Points are written in batches of plain statements, with one audit row for what was
    added and one for what was replaced (with the old and new values); ``progress`` hears
    how many rows are done after each batch. A date given twice keeps its last value.
    """
    values = dict(rows)
    result = RecordResult()
    if not values:
        return result
    for day, value in values.items():
        if not math.isfinite(value):
            raise ValidationError(
                {
                    "value": _("%(date)s: the value is not a finite number.")
                    % {"date": day.isoformat()}
                }
            )
    for day in (min(values), max(values)):  # the range holds all when its ends are in it
        try:
            check_dates(date=day)
        except ValidationError as exc:
            raise ValidationError(
                {"date": f"{day.isoformat()}: {' '.join(exc.message_dict['date'])}"}
            ) from exc
    existing = dict(
        DataPoint.objects.filter(kpi=kpi, date__gte=min(values), date__lte=max(values)).values_list(
            "date", "value"
        )
    )
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    author_id = author.pk if author else None
    items = sorted(values.items())
    created_days, replaced = [], {}
    table = DataPoint._meta.db_table
    workspace_id, kpi_id, adapt_date = kpi.workspace_id, kpi.pk, ops.adapt_datefield_value
    for offset in range(0, len(items), BATCH):
        new, changed = [], []
        for day, value in items[offset : offset + BATCH]:
            old = existing.get(day, _MISSING)
            if old is _MISSING:
                new.append((workspace_id, kpi_id, adapt_date(day), value, author_id, now, now))
                created_days.append(day)
            elif old == value:
                result.unchanged += 1
            else:
                changed.append((value, author_id, now, kpi_id, adapt_date(day)))
                replaced[day] = (old, value)
        # Plain rows, the database's fastest way: the ORM's objects would cost more.
        bulk.insert(table, POINT_COLUMNS, new)
        bulk.update(
            table,
            [("value", "double precision"), ("author_id", "bigint"), ("updated_at", "timestamptz")],
            [("kpi_id", "bigint"), ("date", "date")],
            changed,
        )
        result.created += len(new)
        result.replaced += len(changed)
        if progress:
            progress(min(offset + BATCH, len(items)))
    # One audit row per kind of change, not one per point: what changed, and what it was.
    if created_days:
        audit.record(
            workspace=kpi.workspace,
            actor=actor,
            action="data_point.create",
            obj=kpi,
            after={
                "count": len(created_days),
                "first": created_days[0].isoformat(),
                "last": created_days[-1].isoformat(),
            },
        )
    if replaced:
        audit.record(
            workspace=kpi.workspace,
            actor=actor,
            action="data_point.replace",
            obj=kpi,
            before={"values": {d.isoformat(): old for d, (old, _new) in replaced.items()}},
            after={"values": {d.isoformat(): new for d, (_old, new) in replaced.items()}},
        )
    if result.created or result.replaced:
        latest = max(values)
        kpi_evaluate(kpi=kpi, actor=actor)
        _sync_tracking_key_results(kpi, latest, actor)
    return result


def recent_since(kpi: Kpi, last: dt.date) -> dt.date:
    """The first day of the board's window of the KPI's periods up to ``last``."""
    from .selectors import WINDOW_DAYS

    return maths.period_of(last - dt.timedelta(days=WINDOW_DAYS[kpi.frequency]), kpi.frequency)[0]


def latest_status(periods: list[maths.Period]) -> str:
    """What ``Kpi.status`` stores: the latest period's status, "" without one."""
    return (periods[-1].status if periods else None) or ""


def _restate(kpi: Kpi, periods: list[maths.Period]) -> bool:
    """Store the KPI's judgement of its recent periods (``status`` and ``recent``) when it
    changed; whether the status did."""
    from .selectors import SPARK_PERIODS

    status, recent = latest_status(periods), maths.stored(periods, SPARK_PERIODS)
    if status == kpi.status and recent == kpi.recent:
        return False
    changed = status != kpi.status
    kpi.status, kpi.recent = status, recent
    Kpi.objects.filter(pk=kpi.pk).update(status=status, recent=recent)
    return changed


def kpis_restate(workspace: Workspace) -> int:
    """Store the status and recent periods of every KPI afresh (after bulk loads); how many
    statuses changed. Deviations are left to ``kpi_evaluate``."""
    changed = 0
    for kpi in Kpi.objects.filter(workspace=workspace).select_related("workspace"):
        changed += _restate(kpi, kpi_periods(kpi, workspace.today(), recent=True))
    return changed


def kpi_periods(
    kpi: Kpi,
    today: dt.date | None = None,
    *,
    recent: bool = False,
    between: tuple[dt.date, dt.date] | None = None,
) -> list[maths.Period]:
    """The KPI's periods; given today, the running one of a summed KPI is judged on its pace.
    ``recent``: only the board's window of periods up to the latest data; ``between``: only
    the periods in these dates. Either reads a bounded stretch of data through the index."""
    points = DataPoint.objects.filter(kpi=kpi)
    if between:
        points = points.filter(date__gte=between[0], date__lte=between[1])
    if recent:
        # The window ends at the latest data, however old: a KPI is judged on its last period.
        last = points.order_by("-date").values_list("date", flat=True).first()
        if last is None:
            return []
        points = points.filter(date__gte=recent_since(kpi, last))
    points = points.order_by("date").values_list("date", "value")
    return maths.periods(
        points,
        frequency=kpi.frequency,
        method=kpi.aggregation,
        thresholds=kpi.schedule,
        today=today,
    )


_CONFIDENCE = {
    maths.HEALTHY: CheckIn.Confidence.ON_TRACK,
    maths.WARNING: CheckIn.Confidence.AT_RISK,
    maths.CRITICAL: CheckIn.Confidence.OFF_TRACK,
}


def _sync_tracking_key_results(kpi: Kpi, day: dt.date, actor) -> None:
    """Key results that track the KPI take its aggregate for the period of ``day``."""
    krs = list(KeyResult.objects.filter(kpi=kpi).select_related("objective"))
    if not krs:
        return
    start, _end = maths.period_of(day, kpi.frequency)
    period = next(
        (
            p
            for p in kpi_periods(kpi, kpi.workspace.today(), between=(start, _end))
            if p.start == start
        ),
        None,
    )
    if period is None or period.value is None:
        return
    for kr in krs:
        latest = kr.checkins.order_by("-date", "-id").first()
        if latest is not None and latest.date == day and latest.value == period.value:
            continue
        if kr.type == KeyResult.Type.MILESTONE:
            continue
        okr_services.checkin_create(
            key_result=kr,
            date=day,
            value=period.value,
            confidence=_CONFIDENCE.get(period.status, CheckIn.Confidence.ON_TRACK),
            comment=_("Automatic check-in from the KPI “%(kpi)s”.") % {"kpi": kpi.name},
            actor=actor,
        )


# --- Health and deviations ------------------------------------------------------------------


@transaction.atomic
def kpi_evaluate(*, kpi: Kpi, actor: User | None) -> Deviation | None:
    """Judge the latest period (open, escalate or close the KPI's deviation, alert the owner)
    and the responses that wait for a verdict; the KPI's open deviation, if any."""
    open_dev = _judge_latest(kpi, actor)
    responses_judge(kpi, actor)
    return open_dev


def _judge_latest(kpi: Kpi, actor: User | None) -> Deviation | None:
    today = kpi.workspace.today()
    periods = kpi_periods(kpi, today, recent=True)
    _restate(kpi, periods)
    open_dev = Deviation.objects.filter(kpi=kpi, closed_on__isnull=True).first()
    if not periods:
        return open_dev
    latest = periods[-1]
    state = latest.status
    if state in (maths.WARNING, maths.CRITICAL):
        if open_dev is None:
            open_dev = Deviation.objects.create(
                workspace=kpi.workspace,
                kpi=kpi,
                level=state,
                period_start=latest.start,
                opened_on=today,
                owner=kpi.owner,
            )
            events.record(
                kpi.workspace,
                "kpi.breached",
                {
                    "kpi": kpi.pk,
                    "name": kpi.name,
                    "status": state,
                    "value": latest.value,
                    "period_start": latest.start.isoformat(),
                    "deviation": open_dev.pk,
                },
            )
            audit.record(
                workspace=kpi.workspace,
                actor=actor,
                action="deviation.open",
                obj=open_dev,
                after=audit.snapshot(open_dev),
            )
            _alert(
                kpi,
                deviation=open_dev,
                text=_(
                    "“%(kpi)s” is %(state)s: %(value)s %(unit)s in the period from "
                    "%(start)s. Choose a response."
                )
                % {
                    "kpi": kpi.name,
                    "state": _state_label(state),
                    "value": _fmt(latest.value),
                    "unit": kpi.unit,
                    "start": latest.start.isoformat(),
                },
            )
        elif maths.SEVERITY[state] > maths.SEVERITY[open_dev.level]:
            audit.save_changes(
                open_dev,
                actor=actor,
                action="deviation.escalate",
                workspace=kpi.workspace,
                fields={"level": state},
            )
            _alert(
                kpi,
                _("“%(kpi)s” got worse: it is now critical.") % {"kpi": kpi.name},
                deviation=open_dev,
            )
        return open_dev
    if open_dev is not None and state == maths.HEALTHY:
        events.record(
            kpi.workspace,
            "kpi.recovered",
            {
                "kpi": kpi.pk,
                "name": kpi.name,
                "value": latest.value,
                "period_start": latest.start.isoformat(),
                "deviation": open_dev.pk,
            },
        )
        audit.save_changes(
            open_dev,
            actor=actor,
            action="deviation.close",
            workspace=kpi.workspace,
            fields={"closed_on": today},
        )
        _alert(kpi, _("“%(kpi)s” is healthy again; its deviation is closed.") % {"kpi": kpi.name})
        return None
    return open_dev


JUDGE_HOUR = 6


def kpis_judge_daily(now: dt.datetime) -> int:
    """Where it is 6 o'clock: each summed KPI judged again, as its pace moves with the days
    even when no data arrives (a running total that falls behind opens its deviation, alerts
    its owner and calls the webhooks). Other KPIs change only with data or thresholds."""
    judged = 0
    for ws in Workspace.objects.all():
        if now.astimezone(ws.zone).hour != JUDGE_HOUR:
            continue
        for kpi in Kpi.objects.filter(workspace=ws, aggregation=maths.SUM).select_related(
            "workspace", "owner__user"
        ):
            kpi_evaluate(kpi=kpi, actor=None)
            judged += 1
        # A period that ends closes the verdict on the responses before it, data or not.
        waiting = DeviationResponse.objects.filter(workspace=ws, verdict="").exclude(
            deviation__kpi__aggregation=maths.SUM
        )
        for kpi in Kpi.objects.filter(pk__in=waiting.values("deviation__kpi")).select_related(
            "workspace"
        ):
            with transaction.atomic():
                responses_judge(kpi)
    return judged


def _state_label(state: str) -> str:
    return {maths.WARNING: _("in warning"), maths.CRITICAL: _("critical")}.get(state, state)


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    x = round(x, 2)
    return str(int(x)) if float(x).is_integer() else str(x)


def _alert(
    kpi: Kpi, text: str, deviation: Deviation | None = None, tell: list[Member] | None = None
) -> None:
    """An alert for the people who answer for the KPI (and ``tell``, such as the owner of an
    initiative a response opened); the integrations decide who and where (the feed, e-mail,
    Slack) once the write commits."""
    payload = {"kpi": kpi.pk, "text": text, "deviation": deviation.pk if deviation else None}
    if tell:
        payload["tell"] = [m.pk for m in tell if m is not None]
    events.record(kpi.workspace, "kpi.alert", payload)


# --- Responses to deviations (seed 002) -------------------------------------------------------

# A response is judged on the complete periods that begin on or after the day it was chosen
# (the periods it was in place for from their first day): it worked when one of the first
# RESPONSE_PERIODS of them is back in the band, and did not when all of them are outside it
# (its owner is then asked to choose again).
RESPONSE_PERIODS = 2

PLAN_FIELDS = KpiPlan.PLAN_FIELDS


@dataclass(frozen=True)
class Improvement:
    """What "analyse the causes and improve the process" opens: an initiative."""

    title: str
    owner: Member | None
    due_on: dt.date | None


@transaction.atomic
def deviation_respond(
    *,
    deviation: Deviation,
    response: str,
    note: str = "",
    executor: Member | None = None,
    plan: dict | None = None,
    plan_from: dt.date | None = None,
    improvement: Improvement | None = None,
    actor: User | None,
    by: Member | None = None,
) -> Deviation:
    """Answer a deviation with one of seed 002's responses, and do what it says, in one
    transaction and audited:

    - ``change_executor``: ``executor`` answers for the KPI, its open initiatives and the
      deviation from now on, and is told;
    - ``correct_plan``: the KPI's target or thresholds (``plan``) change from the start of
      the period that holds ``plan_from`` (today by default), for the reason in ``note``;
      the periods before stay judged, and drawn, by the old plan;
    - ``improve_process``: an initiative with an owner and a due date is opened for the KPI,
      linked to the deviation, and its owner is told.

    A response still waiting for its verdict is replaced by the new one."""
    kpi = deviation.kpi
    ws = deviation.workspace
    today = ws.today()
    note = note.strip()
    if response not in Deviation.Response.values:
        raise ValidationError({"response": _("Choose one of the three responses.")})
    if not deviation.is_open:
        raise ValidationError(
            _("This deviation is closed: the KPI is back in its band, so it needs no response.")
        )
    record = DeviationResponse(
        workspace=ws,
        deviation=deviation,
        kind=response,
        note=note,
        chosen_on=today,
        chosen_by=by,
    )
    fields: dict = {"response": response, "note": note}
    told: list[Member] = []
    if response == Deviation.Response.CHANGE_EXECUTOR:
        _check_executor(kpi, executor)
        record.executor_before, record.executor = kpi.owner, executor
        kpi_update(kpi=kpi, actor=actor, owner=executor)
        for initiative in Initiative.objects.filter(kpi=kpi, status__in=Initiative.OPEN):
            okr_services.initiative_update(initiative=initiative, actor=actor, owner=executor)
        fields["owner"] = executor
        told.append(executor)
    elif response == Deviation.Response.CORRECT_PLAN:
        record.plan_before, record.plan_from = _correct_plan(
            kpi, plan or {}, plan_from or today, reason=note, by=by, actor=actor
        )
    else:
        improvement = _check_improvement(kpi, improvement, note)
        record.initiative = okr_services.initiative_create(
            kpi=kpi,
            deviation=deviation,
            title=improvement.title,
            owner=improvement.owner,
            due_on=improvement.due_on,
            actor=actor,
        )
        told.append(improvement.owner)
    deviation.refresh_from_db()  # a new plan may have closed it
    DeviationResponse.objects.filter(deviation=deviation, verdict="").update(
        verdict=DeviationResponse.Verdict.REPLACED, judged_on=today
    )
    record.save()
    audit.save_changes(
        deviation, actor=actor, action="deviation.respond", workspace=ws, fields=fields
    )
    audit.record(
        workspace=ws,
        actor=actor,
        action="deviation.response",
        obj=record,
        after=audit.snapshot(record),
    )
    _alert(kpi, response_text(record), deviation=deviation, tell=told)
    return deviation


def _check_executor(kpi: Kpi, executor: Member | None) -> None:
    if executor is None:
        raise ValidationError({"executor": _("Choose who answers for the KPI from now on.")})
    same_workspace(kpi.workspace, "executor", executor)
    if executor.pk == kpi.owner_id:
        raise ValidationError(
            {"executor": _("%(name)s already answers for this KPI.") % {"name": executor}}
        )


def _check_improvement(kpi: Kpi, improvement: Improvement | None, note: str) -> Improvement:
    """The improvement to open, complete: without a title of its own, the note names it;
    without an owner, the KPI's owner makes it."""
    if improvement is not None and not improvement.title.strip() and note:
        improvement = dataclasses.replace(improvement, title=note[:300])
    if improvement is not None and improvement.owner is None:
        improvement = dataclasses.replace(improvement, owner=kpi.owner)
    errors = {}
    if improvement is None or not improvement.title.strip():
        errors["initiative_title"] = _("Name the improvement to make.")
    if improvement is None or improvement.owner is None:
        errors["initiative_owner"] = _("Choose who makes the improvement.")
    if improvement is None or improvement.due_on is None:
        errors["initiative_due"] = _("Give the improvement a due date.")
    elif improvement.due_on < kpi.workspace.today():
        errors["initiative_due"] = _("The due date is in the past.")
    if errors:
        raise ValidationError(errors)
    same_workspace(kpi.workspace, "initiative_owner", improvement.owner)
    return improvement


def _correct_plan(
    kpi: Kpi, plan: dict, day: dt.date, *, reason: str, by: Member | None, actor
) -> tuple[KpiPlan | None, dt.date]:
    """Change the KPI's plan from the period that holds ``day`` on; the plan it replaces is
    kept for the periods before. Returns (the kept plan, the new plan's first day)."""
    unknown = set(plan) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"cannot set {sorted(unknown)}")
    if not reason:
        raise ValidationError({"note": _("Say why the plan changes.")})
    changes = {f: v for f, v in plan.items() if v != getattr(kpi, f)}
    if not changes:
        raise ValidationError(
            _("Change the target or a threshold: the new plan is the same as the old.")
        )
    start = maths.period_of(day, kpi.frequency)[0]
    until = start - dt.timedelta(days=1)
    last = KpiPlan.objects.filter(kpi=kpi).order_by("-until").first()
    if last is not None and until < last.until:
        raise ValidationError(
            {
                "plan_from": _(
                    "The plan was already corrected from %(date)s: a new correction starts "
                    "then or later."
                )
                % {"date": last.until + dt.timedelta(days=1)}
            }
        )
    kept = last
    if last is None or until > last.until:
        # The old plan keeps its periods; a second correction from the same day replaces
        # the plan that never applied to any period.
        kept = KpiPlan.objects.create(
            workspace=kpi.workspace,
            kpi=kpi,
            until=until,
            reason=reason,
            replaced_by=by,
            **{f: getattr(kpi, f) for f in PLAN_FIELDS},
        )
        audit.record(
            workspace=kpi.workspace,
            actor=actor,
            action="kpi.plan_corrected",
            obj=kept,
            after=audit.snapshot(kept),
        )
    kpi_update(kpi=kpi, actor=actor, **changes)
    return kept, start


def response_text(r: DeviationResponse) -> str:
    """What a response did, in a sentence for the feed, e-mail and Slack."""
    kpi = r.deviation.kpi
    if r.kind == Deviation.Response.CHANGE_EXECUTOR:
        text = _("“%(kpi)s” has a new executor: %(name)s answers for it from now on.") % {
            "kpi": kpi.name,
            "name": r.executor,
        }
    elif r.kind == Deviation.Response.CORRECT_PLAN:
        text = _("The plan of “%(kpi)s” is corrected from %(date)s.") % {
            "kpi": kpi.name,
            "date": r.plan_from.isoformat(),
        }
    else:
        text = _("To improve “%(kpi)s”: %(title)s, by %(owner)s, due %(date)s.") % {
            "kpi": kpi.name,
            "title": r.initiative.title,
            "owner": r.initiative.owner,
            "date": r.initiative.due_on.isoformat(),
        }
    return f"{text} {r.note}".strip()


def responses_judge(kpi: Kpi, actor: User | None = None) -> int:
    """Give a verdict to the KPI's responses that wait for one, on the complete periods that
    followed them; one that did not work asks the deviation's owner, if it is still open, to
    choose again. Returns how many were judged."""
    pending = list(
        DeviationResponse.objects.filter(
            workspace_id=kpi.workspace_id, verdict="", deviation__kpi=kpi
        ).select_related("deviation")
    )
    if not pending:
        return 0
    today = kpi.workspace.today()
    periods = kpi_periods(kpi, today, between=(min(r.chosen_on for r in pending), today))
    judged = 0
    for r in pending:
        following = [p for p in periods if p.start >= r.chosen_on and p.end < today and p.status][
            :RESPONSE_PERIODS
        ]
        if any(p.status == maths.HEALTHY for p in following):
            verdict = DeviationResponse.Verdict.WORKED
        elif len(following) == RESPONSE_PERIODS:
            verdict = DeviationResponse.Verdict.FAILED
        else:
            continue
        audit.save_changes(
            r,
            actor=actor,
            action="deviation.judged",
            workspace=kpi.workspace,
            fields={"verdict": verdict, "judged_on": today},
        )
        judged += 1
        if verdict == DeviationResponse.Verdict.FAILED and r.deviation.is_open:
            audit.save_changes(
                r.deviation,
                actor=actor,
                action="deviation.choose_again",
                workspace=kpi.workspace,
                fields={"response": ""},
            )
            _alert(
                kpi,
                _(
                    "The response “%(response)s” did not bring “%(kpi)s” back into its band "
                    "in %(n)s periods. Choose a response again."
                )
                % {"response": r.get_kind_display(), "kpi": kpi.name, "n": RESPONSE_PERIODS},
                deviation=r.deviation,
            )
    return judged


# --- Annotations --------------------------------------------------------------------------


@transaction.atomic
def annotation_create(
    *,
    workspace: Workspace,
    date: dt.date,
    text: str,
    kind: str = Annotation.Kind.EXTERNAL,
    kpi: Kpi | None = None,
    key_result: KeyResult | None = None,
    author: Member | None = None,
    actor: User | None,
) -> Annotation:
    if kpi is None and key_result is None:
        raise ValidationError(_("An annotation belongs to a KPI or a key result."))
    check_dates(date=date)
    if not text.strip():
        raise ValidationError({"text": _("Write the note.")})
    if kind not in Annotation.Kind.values:
        raise ValidationError({"kind": _("Unknown value.")})
    same_workspace(workspace, "kpi", kpi, key_result, author)
    annotation = Annotation.objects.create(
        workspace=workspace,
        kpi=kpi,
        key_result=key_result,
        date=date,
        kind=kind,
        text=text.strip(),
        author=author,
    )
    audit.record(
        workspace=workspace,
        actor=actor,
        action="annotation.create",
        obj=annotation,
        after=audit.snapshot(annotation),
    )
    return annotation


# --- KPI <-> OKR (seed 001) ---------------------------------------------------------------


@transaction.atomic
def kpi_promote(
    *,
    kpi: Kpi,
    cycle: Cycle,
    objective: Objective | None,
    owner: Member | None,
    actor: User | None,
) -> KeyResult:
    """Make an unhealthy KPI a key result: on an objective, or on a new draft objective.

    The key result tracks the KPI, starts from its latest value and aims at its target.
    """
    same_workspace(kpi.workspace, "cycle", cycle, objective, owner)
    periods = kpi_periods(kpi)
    current = periods[-1].value if periods else None
    target = kpi.target
    if target is None:
        raise ValidationError(
            {"target": _("Give the KPI a target first: it becomes the key result's target.")}
        )
    kr_type = (
        KeyResult.Type.DECREASE
        if kpi.direction == Kpi.Direction.LOWER
        else (KeyResult.Type.INCREASE)
    )
    start = current if current is not None else 0.0
    if (kr_type == KeyResult.Type.INCREASE and start >= target) or (
        kr_type == KeyResult.Type.DECREASE and start <= target
    ):
        raise ValidationError(_("The KPI already meets its target: there is nothing to improve."))
    if objective is None:
        objective = okr_services.objective_create(
            workspace=kpi.workspace,
            cycle=cycle,
            title=_("Get %(kpi)s back on target") % {"kpi": kpi.name},
            why=_(
                "The KPI “%(kpi)s” left its healthy range; bringing it back is worth a "
                "focused effort this cycle."
            )
            % {"kpi": kpi.name},
            level=Objective.Level.TEAM,
            owner=owner,
            teams=[kpi.team] if kpi.team else [],
            status=Objective.Status.DRAFT,
            actor=actor,
        )
    title = _("Bring %(kpi)s from %(start)s to %(target)s %(unit)s") % {
        "kpi": kpi.name,
        "start": _fmt(start),
        "target": _fmt(target),
        "unit": kpi.unit,
    }
    kr = okr_services.key_result_create(
        objective=objective,
        title=title.strip(),
        type=kr_type,
        start=start,
        target=target,
        unit=kpi.unit,
        owner=owner or kpi.owner,
        actor=actor,
    )
    kr.kpi = kpi
    kr.save(update_fields=["kpi"])
    audit.record(
        workspace=kpi.workspace,
        actor=actor,
        action="kpi.promote",
        obj=kr,
        after={"kpi_id": kpi.pk, "objective_id": objective.pk},
    )
    return kr


def keep_level_suggestions(objective: Objective) -> list[dict]:
    """KPIs that would keep the level an achieved objective reached (seed 001).

    For each achieved increase, decrease or maintain key result that no KPI watches yet:
    a KPI holding its target, warning 10 % short of it and critical 20 % short.
    """
    if objective.score < 1.0:
        return []
    out = []
    for kr in objective.key_results.all():
        if kr.type == KeyResult.Type.MILESTONE or kr.target is None or kr.kpi_id:
            continue
        lower = kr.type == KeyResult.Type.DECREASE or (
            kr.type == KeyResult.Type.MAINTAIN
            and kr.direction == KeyResult.Direction.LOWER_IS_BETTER
        )
        factor = (1.1, 1.2) if lower else (0.9, 0.8)
        out.append(
            {
                "key_result": kr,
                "name": kr.title,
                "direction": Kpi.Direction.LOWER if lower else Kpi.Direction.HIGHER,
                "target": kr.target,
                "warning": round(kr.target * factor[0], 4),
                "critical": round(kr.target * factor[1], 4),
                "unit": kr.unit,
            }
        )
    return out
