"""The import job: thin, it loads the upload by id and calls the service.

An import writes chunk by chunk, each chunk committed with the count of chunks written, so
a worker killed in the middle leaves whole chunks only; the job is taken over (its lease,
or at once when its worker on this host is gone) and the upload, still "importing", goes
on from the next chunk. The upload's state makes a second run after a finished one do
nothing.
"""

import contextlib

from django.utils import translation
from django.utils.translation import gettext
from huey.contrib.djhuey import HUEY

from waypoint.jobs import queue

from .models import Upload


def progress_key(upload_id: int) -> str:
    return f"waypoint-import-progress-{upload_id}"


def progress_of(upload_id: int) -> tuple[int, int] | None:
    """(done, total) as the worker last said, kept in the queue's store, outside the
    import's transaction, so the web page can read it while the rows are being written."""
    try:
        return HUEY.get(progress_key(upload_id), peek=True)
    except Exception:
        return None


def _report(upload_id: int, done: int, total: int) -> None:
    with contextlib.suppress(Exception):  # progress is a courtesy; the import goes on
        HUEY.put(progress_key(upload_id), (done, total))


def _failed(job, error: str) -> None:
    from .services import upload_fail

    upload = Upload.objects.select_related("workspace", "created_by__user").filter(
        pk=job.args.get("upload")
    )
    upload = upload.filter(status=Upload.Status.RUNNING).first()
    if upload is not None:
        with translation.override(upload.workspace.language):
            if upload.written:
                message = gettext(
                    "The import stopped on an unexpected error after %(chunks)s parts of it "
                    "were written. Importing the same file again is safe: what is already "
                    "there is not written twice."
                ) % {"chunks": upload.written}
            else:
                message = gettext("The import stopped on an unexpected error; nothing was written.")
            upload_fail(upload=upload, message=message)


# A large import runs for minutes: its lease is long, and a dead worker's job is taken over
# at once by a worker on the same host.
@queue.handler("imports.run", lease=1800, max_attempts=6, on_fail=_failed)
def run_import(upload: int) -> None:
    from .services import upload_run

    found = Upload.objects.select_related("workspace", "created_by__user").get(pk=upload)
    if found.status != Upload.Status.RUNNING:
        return
    with translation.override(found.workspace.language):
        try:
            upload_run(
                upload=found,
                today=found.workspace.today(),
                progress=lambda done, total: _report(upload, done, total),
            )
        finally:
            with contextlib.suppress(Exception):
                HUEY.get(progress_key(upload))  # read without peeking: removes the key
