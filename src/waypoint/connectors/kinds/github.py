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

from ..base import (
    Call,
    Kind,
    Result,
    Setting,
    SourceError,
    WorkItem,
    api,
    base_url,
    bearer,
    day,
    key,
    moment,
    number,
)

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
            out.append((when, _("Release %(name)s") % {"name": str(name)[:200]}, "other"))
        url = next_link(response.header("Link"))
        if not url:
            break
    return out


def item(call: Call, base: str, repo: str) -> WorkItem:
    """An issue, a pull request or a milestone: closed is done, except a pull request
    closed without being merged, which is cancelled."""
    number_ = int(call["number"] or 0)
    if call["what"] == "milestone_item":
        data = call.client.get(f"{base}/repos/{repo}/milestones/{number_}")
        state = "done" if key(data, "state", "GitHub") == "closed" else "in_progress"
        moved = data.get("closed_at") or data.get("updated_at")
    else:
        data = call.client.get(f"{base}/repos/{repo}/issues/{number_}")
        closed = key(data, "state", "GitHub") == "closed"
        pull = data.get("pull_request")
        if closed and isinstance(pull, dict) and not pull.get("merged_at"):
            state = "cancelled"
        else:
            state = (
                "done" if closed else "in_progress" if data.get("assignee") or pull else "planned"
            )
        moved = data.get("closed_at") or data.get("updated_at")
    return WorkItem(
        title=f"{repo}#{number_} {str(data.get('title') or '')[:250]}",
        url=str(data.get("html_url") or "")[:500],
        state=state,
        moved_at=moment(moved),
    )


def fetch(call: Call) -> Result:
    base, repo = api(call.values, API), call["repo"]
    if call["what"] in ("item", "milestone_item"):
        return Result(item=item(call, base, repo))
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
    if values.get("what") in ("item", "milestone_item"):
        if not repo:
            raise ValidationError({"repo": _("Name the repository as owner/name.")})
        if not str(values.get("number", "")).isdigit():
            raise ValidationError({"number": _("The number, as in its address.")})
    elif values.get("what") == "milestone":
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
                ("item", gettext_lazy("One issue or pull request (for an initiative)")),
                ("milestone_item", gettext_lazy("One milestone (for an initiative)")),
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
            "number",
            gettext_lazy("Issue, pull request or milestone number"),
            required=False,
        ),
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
    item_whats=("item", "milestone_item"),
)
