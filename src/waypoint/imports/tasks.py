"""The import job: thin, it loads the upload by id and calls the service."""

from django.utils import translation
from django.utils.translation import gettext
from huey.contrib.djhuey import HUEY, db_task

from .models import Upload


def progress_key(upload_id: int) -> str:
    return f"waypoint-import-progress-{upload_id}"


def progress_of(upload_id: int) -> tuple[int, int] | None:
    """(done, total) as the worker last said, kept in the queue's store, outside the
    import's transaction, so the web page can read it while the rows are being written."""
    return HUEY.get(progress_key(upload_id), peek=True)


@db_task()
def run_import(upload_id: int) -> None:
    from .services import upload_fail, upload_run

    upload = Upload.objects.select_related("workspace", "created_by__user").get(pk=upload_id)
    if upload.status != Upload.Status.RUNNING:
        return

    def progress(done: int, total: int) -> None:
        HUEY.put(progress_key(upload_id), (done, total))

    with translation.override(upload.workspace.language):
        try:
            upload_run(upload=upload, today=upload.workspace.today(), progress=progress)
        except Exception:
            upload_fail(
                upload=upload,
                message=gettext("The import stopped on an unexpected error; nothing was written."),
            )
            raise
        finally:
            HUEY.get(progress_key(upload_id))  # read without peeking: removes the key
