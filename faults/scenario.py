"""Steps of the fault suite that run inside Waypoint, against the suite's own database.

``python scenario.py setup RECEIVER_URL``: a token, a webhook and the key result to check in
on, as JSON. ``python scenario.py uploads N ROWS``: N OKR imports started at once, each of
ROWS objectives. ``python scenario.py state``: counts the suite checks, as JSON.
"""

import csv
import io
import json
import sys

import django

django.setup()

from waypoint.imports import services as imports  # noqa: E402
from waypoint.imports.models import Upload  # noqa: E402
from waypoint.integrations import services as hooks  # noqa: E402
from waypoint.integrations.models import Delivery  # noqa: E402
from waypoint.jobs.models import Job  # noqa: E402
from waypoint.okrs.models import CheckIn, Cycle, KeyResult, Objective  # noqa: E402
from waypoint.workspaces import services as ws  # noqa: E402
from waypoint.workspaces.models import Workspace  # noqa: E402


def setup(receiver: str) -> dict:
    workspace = Workspace.objects.get(slug="acme")
    owner = workspace.members.get(user__email="owner@acme.test")
    _token, raw = ws.token_create(member=owner, name="faults", scope="write", actor=owner.user)
    hooks.webhook_create(
        workspace=workspace, url=receiver, events=["checkin.created"], actor=owner.user
    )
    kr = KeyResult.objects.filter(workspace=workspace, type="increase").order_by("pk").first()
    return {"token": raw, "key_result": kr.pk}


def uploads(n: int, rows: int) -> list[int]:
    workspace = Workspace.objects.get(slug="acme")
    owner = workspace.members.get(user__email="owner@acme.test")
    cycle = Cycle.objects.filter(workspace=workspace).order_by("-start").first()
    started = []
    base = Upload.objects.count()
    for k in range(n):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["Objective", "Key result", "Type", "Start", "Target"])
        for i in range(rows):
            writer.writerow([f"Import {base + k} objective {i}", f"Reach {i}", "increase", 0, 100])
        upload = imports.upload_create(
            workspace=workspace,
            by=owner,
            kind="okrs",
            filename=f"faults-{base + k}.csv",
            data=out.getvalue().encode(),
            cycle=cycle,
            actor=owner.user,
        )
        upload = imports.upload_map(
            upload=upload, mapping=upload.mapping, cycle=cycle, kpi=None, actor=owner.user
        )
        imports.upload_start(upload=upload, actor=owner.user)
        started.append(upload.pk)
    return started


def state() -> dict:
    by_upload = {}
    for upload in Upload.objects.filter(filename__startswith="faults-"):
        prefix = "Import " + upload.filename.removeprefix("faults-").removesuffix(".csv") + " "
        by_upload[upload.pk] = {
            "status": upload.status,
            "objectives": Objective.objects.filter(title__startswith=prefix).count(),
        }
    return {
        "checkins": CheckIn.objects.filter(comment__startswith="fault ").count(),
        "deliveries": list(
            Delivery.objects.filter(event="checkin.created").values_list("pk", "status")
        ),
        "uploads": by_upload,
        "jobs": {status: Job.objects.filter(status=status).count() for status in Job.Status.values},
        "unfinished_jobs": [
            [j.kind, j.status, j.attempts, j.leased_by, str(j.run_after), str(j.leased_until)]
            for j in Job.objects.exclude(status="done").order_by("id")[:10]
        ],
        "failed_jobs": list(
            Job.objects.filter(status="failed").values_list("kind", "last_error")[:10]
        ),
    }


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "setup":
        print(json.dumps(setup(sys.argv[2])))
    elif command == "uploads":
        print(json.dumps(uploads(int(sys.argv[2]), int(sys.argv[3]))))
    else:
        print(json.dumps(state()))
