"""Writes for data sources: save one, pull one (all or nothing), receive a catch hook's post.

A pull reads everything first (the kind's ``fetch``), then writes the values, the
annotations, the renewed OAuth tokens and its own record in one transaction, so a malformed
answer, a refused address or a vendor's error writes nothing but the error, which the
source's page shows. Failures wait 5, 10, 20 … minutes (at most 6 hours) before the next
try, or as long as the vendor asked with ``Retry-After``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from waypoint import outbound
from waypoint.jobs import queue
from waypoint.lib import vault
from waypoint.workspaces import audit

from . import kinds
from .base import Busy, Call, Client, OAuthState, Result, SourceError
from .models import Pull, Source

MAX_BACKOFF_MINUTES = 360
LEASE_MINUTES = 15  # a claimed source is not claimed again while its pull job waits


# --- Saving ---------------------------------------------------------------------------------


def _clean(kind, given: dict, kept: dict) -> tuple[dict, dict]:
    """The settings and credentials to store: a credential left empty keeps the stored one."""
    plain, secret, errors = {}, dict(kept), {}
    for setting in kind.settings:
        value = given.get(setting.name, "")
        value = value.strip() if isinstance(value, str) else value
        if setting.secret:
            if value:
                secret[setting.name] = value
            elif given.get(f"{setting.name}__clear"):
                secret.pop(setting.name, None)
            if setting.required and not secret.get(setting.name):
                errors[setting.name] = _("This field is required.")
        else:
            value = value or setting.default
            if setting.widget == "choice" and value and value not in dict(setting.choices):
                errors[setting.name] = _("Unknown value.")
            if setting.required and not value:
                errors[setting.name] = _("This field is required.")
            plain[setting.name] = value
    if errors:
        raise ValidationError(errors)
    return plain, secret


def _check_addresses(kind, values: dict) -> None:
    """An address typed into a web source must pass the outbound policy when it is saved
    (and again on every pull: what it resolves to may change)."""
    if kind.key == "sql":
        return
    for name in ("url", "base_url"):
        if values.get(name):
            try:
                outbound.check_url(values[name])
            except outbound.OutboundRefused as exc:
                raise ValidationError({name: str(exc)}) from exc


def _check_what(kind, plain: dict, *, is_item: bool) -> None:
    """An initiative follows one work item; a KPI or a key result takes numbers."""
    if not kind.item_whats and not is_item:
        return
    if is_item and plain.get("what") not in kind.item_whats:
        raise ValidationError({"what": _("An initiative follows one work item: choose one.")})
    if not is_item and plain.get("what") in kind.item_whats:
        raise ValidationError({"what": _("One work item is for an initiative; choose a number.")})


@transaction.atomic
def source_save(
    *,
    workspace,
    kind: str,
    values: dict,
    every_minutes: int = 60,
    kpi=None,
    key_result=None,
    initiative=None,
    actor,
    source: Source | None = None,
    credentials_from: Source | None = None,
) -> Source:
    """Create a source for a KPI, a key result or an initiative (a linked work item), or
    change ``source``; checked, audited (credentials never in the trail) and due for a pull
    at once. ``credentials_from``: another source of the same kind in the workspace whose
    credentials this one uses too (copied, still encrypted)."""
    found = kinds.get(kind)
    targets = [t for t in (kpi, key_result, initiative) if t is not None]
    if len(targets) != (0 if source is not None else 1):
        raise ValidationError(_("A source feeds one KPI, one key result or one initiative."))
    target = targets[0] if targets else source.target
    if target.workspace_id != workspace.pk:
        raise ValidationError(_("A source feeds a KPI or key result of its own workspace."))
    if every_minutes < 5:
        raise ValidationError({"every_minutes": _("Pull at most every 5 minutes.")})
    donor = credentials_from if credentials_from is not None else source
    if credentials_from is not None and (
        credentials_from.kind != kind or credentials_from.workspace_id != workspace.pk
    ):
        raise ValidationError(
            {"credentials_from": _("Use the credentials of a source of the same kind.")}
        )
    kept = {}
    if donor is not None and donor.kind == kind:
        try:
            kept = vault.decrypt(donor.secret)
        except vault.VaultError:
            kept = {}
    plain, secret = _clean(found, values, kept)
    _check_addresses(found, {**plain, **secret})
    is_item = initiative is not None or bool(source is not None and source.initiative_id)
    _check_what(found, plain, is_item=is_item)
    if found.validate is not None:
        found.validate({**plain, **secret})
    if source is None:
        if Source.objects.filter(
            **{"kpi": kpi}
            if kpi
            else {"key_result": key_result}
            if key_result
            else {"initiative": initiative}
        ).exists():
            raise ValidationError(_("It already has a data source: change that one."))
        source = Source(
            workspace=workspace, kind=kind, kpi=kpi, key_result=key_result, initiative=initiative
        )
    fields = {
        "kind": kind,
        "settings": plain,
        "secret": vault.encrypt(secret),
        "every_minutes": every_minutes,
        "next_run_at": timezone.now() if found.fetch is not None else None,
        "failures": 0,
        "last_error": "",
    }
    if source.pk is None:
        # A new source is written even when its settings are all defaults (a catch hook).
        for name, value in fields.items():
            setattr(source, name, value)
        source.save()
        audit.record(
            workspace=workspace,
            actor=actor,
            action="source.save",
            obj=source,
            after=audit.snapshot(source),
        )
        return source
    stored_secret = source.secret
    audit.save_changes(
        source, actor=actor, action="source.save", workspace=workspace, fields=fields
    )
    if fields["secret"] != stored_secret:
        # The trail keeps no credential, so a change of credentials alone is its own entry.
        Source.objects.filter(pk=source.pk).update(secret=fields["secret"])
        audit.record(
            workspace=workspace, actor=actor, action="source.credentials", obj=source, after={}
        )
    return source


@transaction.atomic
def source_delete(*, source: Source, actor) -> None:
    audit.record(
        workspace=source.workspace,
        actor=actor,
        action="source.delete",
        obj=source,
        before=audit.snapshot(source),
    )
    source.delete()


def oauth_connect(*, source: Source, code: str, redirect_uri: str, actor) -> None:
    """ "Connect with …": the vendor's authorization code exchanged for tokens, stored
    encrypted (audited without them), and a pull queued."""
    kind = kinds.get(source.kind)
    values = {**source.settings, **vault.decrypt(source.secret)}
    client, oauth = _client(kind, values)
    if oauth is None:
        raise ValidationError(_("This kind of source does not connect with OAuth."))
    try:
        oauth.exchange(client, code, redirect_uri)
    except SourceError as exc:
        raise ValidationError(str(exc)) from exc
    secret = vault.decrypt(source.secret)
    secret.update({k: oauth.values[k] for k in ("access_token", "refresh_token", "expires_at")})
    with transaction.atomic():
        fields = {
            "secret": vault.encrypt(secret),
            "failures": 0,
            "last_error": "",
            "next_run_at": timezone.now(),
        }
        Source.objects.filter(pk=source.pk).update(**fields)
        for name, value in fields.items():
            setattr(source, name, value)
        audit.record(
            workspace=source.workspace,
            actor=actor,
            action="source.connect",
            obj=source,
            after=audit.snapshot(source),
        )
        queue.enqueue("sources.pull", {"source": source.pk}, workspace=source.workspace)


def new_hook_address(*, source: Source, actor) -> str:
    """A new secret for a catch hook; the old address stops working. Only its hash is kept,
    so the address is shown once, now."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        source.hook_digest = hook_digest(token)
        source.save(update_fields=["hook_digest"])
        # The trail says a new address was made, never which.
        audit.record(
            workspace=source.workspace,
            actor=actor,
            action="source.hook",
            obj=source,
            after=audit.snapshot(source),
        )
    return token


def hook_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Pulling --------------------------------------------------------------------------------


def oauth_app(kind) -> dict:
    """The operator's OAuth app for the kind (settings.OAUTH_APPS), or {} when none."""
    from django.conf import settings

    return getattr(settings, "OAUTH_APPS", {}).get(kind.oauth_app, {}) if kind.oauth_app else {}


def _client(kind, values: dict) -> tuple[Client, OAuthState | None]:
    oauth = None
    if kind.auth == "oauth2" and kind.token_url is not None:
        app = oauth_app(kind)
        token_url = values.get("token_url") or app.get("token_url") or kind.token_url(values)
        oauth = OAuthState(values, token_url, str(kind.label), app)
    headers = kind.headers(values) if kind.headers is not None else {}
    return Client(vendor=str(kind.label), headers=headers, oauth=oauth), oauth


def _write(source: Source, result: Result) -> tuple[int, int]:
    """The values and annotations of a pull, written for the source's KPI or key result."""
    from waypoint.kpis import services as kpi_services
    from waypoint.kpis.models import Annotation
    from waypoint.okrs import services as okr_services

    if source.initiative_id:
        return _follow(source, result.item), 0
    if source.kpi_id:
        done = kpi_services.data_points_record(kpi=source.kpi, rows=result.points, actor=None)
        written = done.created + done.replaced
    else:
        written = 0
        kr = source.key_result
        if result.points:
            # A key result's value is its latest check-in: the source's newest value, checked
            # in when it differs from the current one.
            date, value = max(result.points)
            if kr.current_value != value or kr.current_date is None:
                okr_services.checkin_create(
                    key_result=kr,
                    date=min(date, source.workspace.today()),
                    value=value,
                    confidence=kr.current_confidence or "on_track",
                    comment=_("From the data source (%(kind)s).")
                    % {"kind": kinds.get(source.kind).label},
                    actor=None,
                )
                written = 1
    notes = 0
    if result.annotations:
        target = {"kpi": source.kpi} if source.kpi_id else {"key_result": source.key_result}
        have = set(Annotation.objects.filter(**target).values_list("date", "text"))
        for date, text, *kind in result.annotations:
            text = text.strip()[:500]
            if text and (date, text) not in have:
                kpi_services.annotation_create(
                    workspace=source.workspace,
                    date=date,
                    text=text,
                    kind=kind[0] if kind else Annotation.Kind.EXTERNAL,
                    actor=None,
                    **target,
                )
                have.add((date, text))
                notes += 1
    return written, notes


def _follow(source: Source, item) -> int:
    """The initiative takes the linked item's state; 1 when its status changed."""
    from waypoint.okrs import services as okr_services

    if item is None:
        raise SourceError(_("The source read no work item."))
    initiative = source.initiative
    fields = {"item_title": item.title, "item_url": item.url, "item_state": item.state}
    if item.state != source.item_state or source.item_moved_at is None:
        fields["item_moved_at"] = item.moved_at or timezone.now()
    Source.objects.filter(pk=source.pk).update(**fields)
    for name, value in fields.items():
        setattr(source, name, value)
    if initiative.status == item.state:
        return 0
    okr_services.initiative_update(initiative=initiative, status=item.state, actor=None)
    return 1


def pull(source: Source, now: dt.datetime | None = None, sleep=time.sleep) -> bool:
    """Read the source and write what it gave; on failure keep the error and back off."""
    now = now or timezone.now()
    kind = kinds.get(source.kind)
    started = time.monotonic()
    client = oauth = None
    error, retry_after = "", None
    result = Result()
    try:
        if kind.fetch is None:
            raise SourceError(_("This source is not pulled: it receives posts."))
        values = {**source.settings, **vault.decrypt(source.secret)}
        client, oauth = _client(kind, values)
        client.sleep = sleep
        last_ok = source.pulls.filter(ok=True).values_list("started_at", flat=True).first()
        result = kind.fetch(
            Call(
                kind=kind,
                values=values,
                today=source.workspace.today(),
                client=client,
                since=timezone.localdate(last_ok) if last_ok else None,
            )
        )
        with transaction.atomic():
            written, notes = _write(source, result)
            _finish(source, now, started, client, oauth, written=written, notes=notes)
        return True
    except Busy as exc:
        error, retry_after = str(exc), exc.retry_after
    except (SourceError, vault.VaultError) as exc:
        error = str(exc)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    with transaction.atomic():
        _finish(
            source,
            now,
            started,
            client,
            oauth,
            error=error or _("Failed."),
            retry_after=retry_after,
        )
    return False


def _finish(source, now, started, client, oauth, *, written=0, notes=0, error="", retry_after=None):
    fields = {"last_run_at": now}
    if oauth is not None and oauth.changed:
        secret = vault.decrypt(source.secret)
        secret.update({k: oauth.values[k] for k in ("access_token", "refresh_token", "expires_at")})
        fields["secret"] = vault.encrypt(secret)
    if error:
        failures = source.failures + 1
        pause = dt.timedelta(minutes=min(5 * 2 ** (failures - 1), MAX_BACKOFF_MINUTES))
        if retry_after is not None:
            pause = max(pause, dt.timedelta(seconds=retry_after))
        fields |= {"failures": failures, "last_error": error[:500], "next_run_at": now + pause}
    else:
        fields |= {
            "failures": 0,
            "last_error": "",
            "last_count": written,
            "next_run_at": now + dt.timedelta(minutes=source.every_minutes),
        }
    for name, value in fields.items():
        setattr(source, name, value)
    Source.objects.filter(pk=source.pk).update(**fields)
    Pull.objects.create(
        source=source,
        started_at=now,
        duration_ms=int((time.monotonic() - started) * 1000),
        ok=not error,
        rows=written,
        annotations=notes,
        requests=client.requests if client is not None else 0,
        error=error[:500],
    )


def claim_due(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Queue a pull job for each source that is due; a claimed source waits for its job."""
    now = now or timezone.now()
    count = 0
    due = (
        Source.objects.filter(next_run_at__lte=now)
        .order_by("next_run_at")
        .values_list("pk", "workspace_id")[:limit]
    )
    for pk, workspace_id in due:
        with transaction.atomic():
            claimed = Source.objects.filter(pk=pk, next_run_at__lte=now).update(
                next_run_at=now + dt.timedelta(minutes=LEASE_MINUTES)
            )
            if claimed:
                queue.enqueue("sources.pull", {"source": pk}, workspace_id=workspace_id)
                count += 1
    return count


# --- Catch hooks ----------------------------------------------------------------------------


def receive(*, source: Source, rows: list[tuple[dt.date, float]]) -> int:
    """Values posted to a catch hook's address, written like a pull's (all or nothing)."""
    started = time.monotonic()
    with transaction.atomic():
        written, _notes = _write(source, Result(points=rows))
        now = timezone.now()
        Source.objects.filter(pk=source.pk).update(
            last_run_at=now, last_count=written, last_error="", failures=0
        )
        Pull.objects.create(
            source=source,
            started_at=now,
            duration_ms=int((time.monotonic() - started) * 1000),
            ok=True,
            rows=written,
            via="hook",
        )
    return written
