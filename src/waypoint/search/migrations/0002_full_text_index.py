"""The database's full-text index over the entries, and the entries of what already exists."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(text, content='search_searchentry', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_fts_insert AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER search_fts_delete AFTER DELETE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER search_fts_update AFTER UPDATE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO search_fts(rowid, text) VALUES (new.id, new.text); END",
]
SQLITE_UNDO = [
    "DROP TRIGGER search_fts_update",
    "DROP TRIGGER search_fts_delete",
    "DROP TRIGGER search_fts_insert",
    "DROP TABLE search_fts",
]
POSTGRESQL = [
    "CREATE INDEX search_entry_fts ON search_searchentry "
    "USING gin (to_tsvector('simple'::regconfig, text))"
]
POSTGRESQL_UNDO = ["DROP INDEX search_entry_fts"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


def index_everything(apps, schema_editor):
    from waypoint.search.index import reindex

    for workspace_id in apps.get_model("workspaces", "Workspace").objects.values_list(
        "pk", flat=True
    ):
        reindex(workspace_id, apps.get_model)


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_entries"),
        ("okrs", "0008_key_result_starts_on"),
        ("kpis", "0004_help_without_seed"),
        ("workspaces", "0012_first_run"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRESQL_UNDO}),
        ),
        migrations.RunPython(index_everything, migrations.RunPython.noop),
    ]
