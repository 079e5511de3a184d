"""Check-ins that arrive from outside the browser (a reply to an e-mail, a Slack modal or
command): whose key results they may touch, and recording what was read, line by line."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from waypoint.okrs import selectors as okr_selectors
from waypoint.okrs import services as okr_services
from waypoint.okrs.models import CheckIn, KeyResult
from waypoint.workspaces.models import Member

from .checkin_text import Reading

MAX_SHEET = 30  # key results offered in one reminder or modal


def sheet(member: Member) -> list[KeyResult]:
    """The member's key results of the current cycle, in the check-in page's order."""
    cycle = okr_selectors.current_cycle(member.workspace)
    if cycle is None:
        return []
    return list(okr_selectors.checkin_sheet(member.workspace, member, cycle)[:MAX_SHEET])


def record(member: Member, reading: Reading) -> tuple[list[CheckIn], list[tuple[str, str]]]:
    """Record what was read: every check-in that is valid is saved; one that is refused (a
    milestone given 7, a closed cycle) is named back with the reason, by its title."""
    entries = list(reading.entries)
    problems = list(reading.problems)
    while entries:
        try:
            saved = okr_services.checkins_record(
                entries=entries,
                date=member.workspace.today(),
                author=member,
                actor=member.user,
            )
            return saved, problems
        except ValidationError as exc:
            wrong = set()
            for key, messages in exc.message_dict.items():
                pk = int(key.partition("-")[0][2:])
                wrong.add(pk)
                title = next(e.key_result.title for e in entries if e.key_result.pk == pk)
                problems.append((title, " ".join(messages)))
            entries = [e for e in entries if e.key_result.pk not in wrong]
    return [], problems
