"""Worker jobs for integrations: thin, they load by id and call the services."""

import urllib.request

from huey.contrib.djhuey import db_task

from .models import Delivery
from .services import BACKOFF, attempt


def http_post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@db_task()
def deliver(delivery_id: int) -> None:
    delivery = Delivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        return
    delivery = attempt(delivery, http_post)
    if delivery.status == Delivery.Status.PENDING:
        deliver.schedule((delivery_id,), delay=BACKOFF[delivery.attempts - 1])
