"""Every kind of data source. Adding one is a module here, listed below, and its test."""

from __future__ import annotations

from django.http import Http404

from ..base import Kind
from . import (
    asana,
    catch_hook,
    csv_url,
    github,
    google_ads,
    google_analytics,
    http_json,
    hubspot,
    jira,
    meta_ads,
    search_console,
    sql,
    stripe,
)

KINDS: dict[str, Kind] = {
    module.KIND.key: module.KIND
    for module in (
        http_json,
        csv_url,
        sql,
        catch_hook,
        google_analytics,
        search_console,
        hubspot,
        meta_ads,
        google_ads,
        stripe,
        jira,
        github,
        asana,
    )
}


def get(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError:
        raise Http404(key) from None
