"""Every kind of data source. Adding one is a module here, listed below, and its test."""

from __future__ import annotations

from django.http import Http404

from ..base import Kind
from . import catch_hook, csv_url, github, http_json, hubspot, jira, sql, stripe

KINDS: dict[str, Kind] = {
    module.KIND.key: module.KIND
    for module in (http_json, csv_url, sql, catch_hook, github, jira, hubspot, stripe)
}


def get(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise Http404(key) from None
