"""A key kept in a file of the data directory: made once, by whichever process comes first."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def read_or_make(path: Path, make: Callable[[], str]) -> str:
    """The file's key, stripped; the first caller writes ``make()`` into it (mode 0600)."""
    if not path.exists():
        # O_EXCL: two processes starting together must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(make())
    return path.read_text().strip()
