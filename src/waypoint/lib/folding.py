"""Case folding in the database for every alphabet: PostgreSQL's ``LOWER`` already folds
Cyrillic and Polish letters; SQLite's folds only ASCII, so Waypoint gives each SQLite
connection a ``waypoint_lower`` function that folds as Python does."""

from django.db.backends.signals import connection_created
from django.db.models import CharField, Func


class Folded(Func):
    """``LOWER(expression)``, whatever the alphabet."""

    function = "LOWER"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="waypoint_lower", **extra)


def _fold(value):
    return value.casefold() if isinstance(value, str) else value


def _register(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("waypoint_lower", 1, _fold, deterministic=True)


connection_created.connect(_register, dispatch_uid="waypoint-folding")
