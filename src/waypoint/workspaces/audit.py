"""The audit trail: every service writes one row per change, in the same transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from typing import Any

from django.db import models

from .models import AuditEntry, User, Workspace


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    return value


# Never copied into the audit trail: password hashes, credentials (encrypted or not) and
# their digests.
_SECRET_FIELDS = {"password", "secret", "hook_digest", "bot_token_secret"}


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The concrete field values of a record (foreign keys as ids), ready for JSON; values a
    model derives from others (its ``DERIVED_FIELDS``, such as stored scores) are left out."""
    data: dict[str, Any] = {}
    derived = getattr(obj, "DERIVED_FIELDS", ())
    for f in obj._meta.concrete_fields:
        if f.attname in _SECRET_FIELDS or f.attname in derived:
            continue
        value = getattr(obj, f.attname)
        if isinstance(f, models.BinaryField):
            # Bytes (a logo) are not JSON and too big for the trail: their hash says enough.
            data[f.attname] = (
                f"sha256:{hashlib.sha256(bytes(value)).hexdigest()}" if value else None
            )
            continue
        data[f.attname] = _jsonable(value)
    for f in obj._meta.many_to_many:
        if obj.pk is not None:
            data[f.name] = sorted(getattr(obj, f.name).values_list("pk", flat=True))
    return data


def _entry(workspace, actor, action, obj, before, after) -> AuditEntry:
    return AuditEntry(
        workspace=workspace,
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        before=before,
        after=after,
    )


def record(
    *,
    workspace: Workspace | None,
    actor: User | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = _entry(workspace, actor, action, obj, before, after)
    entry.save()
    return entry


def record_many(
    *,
    workspace: Workspace | None,
    actor: User | None,
    action: str,
    changes: list[tuple[models.Model, dict[str, Any] | None, dict[str, Any] | None]],
) -> int:
    """One row per (record, before, after), written in batches: for imports of many rows."""
    AuditEntry.objects.bulk_create(
        [_entry(workspace, actor, action, obj, before, after) for obj, before, after in changes],
        batch_size=1000,
    )
    return len(changes)


def save_changes(obj, *, actor, action: str, workspace, fields: dict, m2m: dict | None = None):
    """Apply field (and many-to-many) changes; save and audit only when something changed.

    An update that changes nothing writes nothing, which is what makes imports idempotent.
    """
    before = snapshot(obj)
    for name, value in fields.items():
        setattr(obj, name, value)
    for name, values in (m2m or {}).items():
        getattr(obj, name).set(values)
    after = snapshot(obj)
    if before == after:
        return obj
    if fields:
        obj.save()
    record(workspace=workspace, actor=actor, action=action, obj=obj, before=before, after=after)
    return obj
