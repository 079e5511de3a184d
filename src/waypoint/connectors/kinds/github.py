"""GitHub: a count of issues or pull requests by a search, a milestone's done share, and
releases as annotations.

Search (``GET /search/issues``) answers ``total_count``; a milestone
(``GET /repos/{repo}/milestones/{n}``) its open and closed issues. Releases are read page by
page through the ``Link: <…>; rel="next"`` header. A token is optional for public
repositories (with GitHub's lower rate limit); a rate limit is GitHub's 403 with
``X-RateLimit-Remaining: 0`` or a 429, waited out or left to the schedule.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..base import Call, Kind, Result, Setting, SourceError, api, base_url, bearer, day, key, number

API = "https://api.github.com"
REPO = re.compile(r"^[\w.-]{1,100}/[\w.-]{1,100}$")
RELEASE_PAGES = 5


def next_link(header: str) -> str:
    for part in header.split(","):
        found = re.match(r'\s*<([^>]+)>\s*;\s*rel="?next"?', part)
        if found:
            return found.group(1)
    return ""


def _releases(call: Call, base: str, repo: str) -> list:
    url, out = f"{base}/repos/{repo}/releases?per_page=100", []
    for _page in range(RELEASE_PAGES):
        response, data = call.client.json("GET", url)
        if not isinstance(data, list):
            raise SourceError(_("GitHub's list of releases is not a list."))
        for release in data:
            if not isinstance(release, dict) or not release.get("published_at"):
                continue  # a draft
            when = day(str(release["published_at"])[:10], _("A release's date"))
            if call.since and when < call.since:
                return out
            name = release.get("name") or release.get("tag_name") or ""
            out.append((when, _("Release %(name)s") % {"name": str(name)[:200]}))
        url = next_link(response.header("Link"))
        if not url:
            break
    return out


def fetch(call: Call) -> Result:
    base, repo = api(call.values, API), call["repo"]
    if call["what"] == "milestone":
        data = call.client.get(f"{base}/repos/{repo}/milestones/{int(call['milestone'] or 0)}")
        closed = number(key(data, "closed_issues", "GitHub"), "closed_issues")
        total = closed + number(key(data, "open_issues", "GitHub"), "open_issues")
        value = round(100 * closed / total, 2) if total else 0.0
    else:
        data = call.client.get(f"{base}/search/issues", {"q": call["query"], "per_page": 1})
        value = number(key(data, "total_count", "GitHub"), "total_count")
    result = Result(points=[(call.today, value)])
    if call["releases"] == "yes" and repo:
        result.annotations = _releases(call, base, repo)
    return result


def validate(values: dict) -> None:
    repo = values.get("repo", "")
    if repo and not REPO.match(repo):
        raise ValidationError({"repo": _("Name the repository as owner/name.")})
    if values.get("what") == "milestone":
        if not repo:
            raise ValidationError({"repo": _("A milestone belongs to a repository.")})
        if not str(values.get("milestone", "")).isdigit():
            raise ValidationError({"milestone": _("The milestone's number, as in its address.")})
    elif not values.get("query"):
        raise ValidationError(
            {"query": _("Write the search, such as repo:owner/name is:issue is:closed.")}
        )


KIND = Kind(
    key="github",
    label=gettext_lazy("GitHub"),
    auth="api_key",
    reads=("count", "share", "annotations"),
    pages=gettext_lazy("the Link header's next page"),
    settings=(
        Setting(
            "what",
            gettext_lazy("Read"),
            widget="choice",
            choices=(
                ("search", gettext_lazy("Issues or pull requests found by a search")),
                ("milestone", gettext_lazy("A milestone's done share (%)")),
            ),
            default="search",
        ),
        Setting(
            "query",
            gettext_lazy("Search"),
            help=gettext_lazy(
                "GitHub's search, such as repo:acme/app is:pr is:merged merged:>=2026-10-01."
            ),
            required=False,
        ),
        Setting(
            "repo", gettext_lazy("Repository"), help=gettext_lazy("owner/name"), required=False
        ),
        Setting("milestone", gettext_lazy("Milestone number"), required=False),
        Setting(
            "releases",
            gettext_lazy("Releases as annotations"),
            widget="choice",
            choices=(("no", gettext_lazy("No")), ("yes", gettext_lazy("Yes"))),
            default="no",
            required=False,
        ),
        Setting(
            "token",
            gettext_lazy("Token"),
            help=gettext_lazy("A fine-grained token with read access; kept encrypted."),
            secret=True,
            required=False,
        ),
        base_url(API),
    ),
    fetch=fetch,
    headers=lambda values: {
        **bearer(values.get("token", "")),
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
    },
    validate=validate,
)
