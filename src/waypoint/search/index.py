"""Keeping ``SearchEntry`` in step with the records it finds.

Every save of a searchable record that may change its words rewrites its entry, in the same
transaction as the save; a deletion removes it (a person's name must not outlive them in the
index). Writes that bypass ``save`` (the synthetic seed's bulk inserts, a restored backup)
call ``reindex`` for their workspace afterwards. The database's own full-text index follows
the entries: SQLite's FTS5 table through triggers, PostgreSQL's GIN index by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models.signals import post_delete, post_save

from .models import SearchEntry
from .text import indexed

BATCH = 2_000


@dataclass(frozen=True)
class Source:
    """A searchable model: its kind, the fields its words come from, and the queryset that
    reads them for a workspace in one query."""

    kind: str
    label: str
    fields: tuple[str, ...]

    def values(self, workspace_id, get_model) -> Iterator[tuple]:
        return (
            get_model(self.label)
            .objects.filter(workspace_id=workspace_id)
            .order_by()
            .values_list("pk", *self.fields)
            .iterator(chunk_size=BATCH)
        )


SOURCES = (
    Source(SearchEntry.Kind.OBJECTIVE, "okrs.Objective", ("title",)),
    Source(SearchEntry.Kind.KEY_RESULT, "okrs.KeyResult", ("title",)),
    Source(SearchEntry.Kind.KPI, "kpis.Kpi", ("name",)),
    Source(SearchEntry.Kind.TEAM, "workspaces.Team", ("name",)),
    Source(SearchEntry.Kind.PERSON, "workspaces.Member", ("user__full_name", "user__email")),
)
_OWN_FIELDS = {s.label: {f for f in s.fields if "__" not in f} for s in SOURCES}


def _write(workspace_id, kind: str, object_id: int, text: str) -> None:
    updated = SearchEntry.objects.filter(kind=kind, object_id=object_id).update(text=text)
    if not updated:
        SearchEntry.objects.create(
            workspace_id=workspace_id, kind=kind, object_id=object_id, text=text
        )


def _saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:  # fixtures loaded as they are; ``reindex`` follows them
        return
    label = sender._meta.label
    if update_fields is not None and not (set(update_fields) & _OWN_FIELDS[label]):
        return  # progress, scores, order: not words
    source = next(s for s in SOURCES if s.label == label)
    if source.kind == SearchEntry.Kind.PERSON:
        text = indexed(instance.user.full_name, instance.user.email)
    else:
        text = indexed(*(getattr(instance, f) for f in source.fields))
    if created:
        SearchEntry.objects.create(
            workspace_id=instance.workspace_id, kind=source.kind, object_id=instance.pk, text=text
        )
    else:
        _write(instance.workspace_id, source.kind, instance.pk, text)


def _user_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    """A person's name or address changed: their entry in every workspace they belong to."""
    if raw or created:
        return
    if update_fields is not None and not (set(update_fields) & {"full_name", "email"}):
        return  # a password, the last sign-in
    text = indexed(instance.full_name, instance.email)
    for member_id, workspace_id in instance.memberships.values_list("pk", "workspace_id"):
        _write(workspace_id, SearchEntry.Kind.PERSON, member_id, text)


def _deleted(sender, instance, origin=None, **kwargs):
    from waypoint.workspaces.models import Workspace

    if isinstance(origin, Workspace):
        return  # the workspace's entries go with it (their foreign key cascades)
    kind = next(s.kind for s in SOURCES if s.label == sender._meta.label)
    SearchEntry.objects.filter(kind=kind, object_id=instance.pk).delete()


def connect() -> None:
    from django.apps import apps

    for source in SOURCES:
        model = apps.get_model(source.label)
        uid = f"search-{source.kind}"
        post_save.connect(_saved, sender=model, dispatch_uid=uid + "-saved")
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid + "-deleted")
    post_save.connect(
        _user_saved, sender=apps.get_model("workspaces.User"), dispatch_uid="search-user-saved"
    )


def reindex(workspace_id: int, get_model=None) -> int:
    """Rebuild a workspace's entries from its records, in bulk; returns how many. A migration
    passes its own models' ``get_model``."""
    if get_model is None:
        from django.apps import apps

        get_model = apps.get_model
    entry = get_model("search.SearchEntry")
    entry.objects.filter(workspace_id=workspace_id).delete()
    count = 0
    for source in SOURCES:
        batch = []
        for pk, *texts in source.values(workspace_id, get_model):
            batch.append(
                entry(
                    workspace_id=workspace_id,
                    kind=source.kind,
                    object_id=pk,
                    text=indexed(*(t or "" for t in texts)),
                )
            )
            if len(batch) >= BATCH:
                count += len(entry.objects.bulk_create(batch))
                batch = []
        count += len(entry.objects.bulk_create(batch))
    return count
