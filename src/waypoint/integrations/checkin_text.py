"""Check-ins written as lines of text, the way people answer a reminder in an e-mail or in
Slack: ``NPS 61 at risk waiting on CRM``, ``2. 14500``, ``Launch the app done``.

A line names a key result (a number from the reminder's list, or words of its title), then
its new value (or, for a milestone, done / not done), then optionally a confidence (in any
of the four languages), then a comment. A line that cannot be read is named back to the
writer with the reason; nothing of it is recorded. The input is bounded: at most
``MAX_LINES`` lines of at most ``MAX_LINE`` characters are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from waypoint.okrs.models import CheckIn, KeyResult
from waypoint.okrs.services import CheckInEntry

MAX_LINES = 50
MAX_LINE = 500
MAX_TEXT = 20_000  # characters of a message read at all

# 22,369.5 (English), 22\u00a0369,5 (Russian and Polish, as the reminder writes them), 61.5, 61,5
_NUMBER = re.compile(
    r"(?<![\w.,])([-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d{1,3}(?:[\u00a0\u202f]\d{3})+"
    r"(?:[.,]\d+)?|[-+]?\d+(?:[.,]\d+)?)%?(?![\w])"
)
_INDEX = re.compile(r"^\s*(?:#(\d{1,2})[.):]?|(\d{1,2})[.):]|(\d{1,2})(?=\s+\S))\s*")
_QUOTE_HEADER = re.compile(
    r"^(on |am |le |el |w dniu |\d{1,4}[./-]).*(wrote|schrieb|écrit|написал|napisał|写道)\s*:?\s*$",
    re.IGNORECASE,
)
_TRIM = " \t-–—:;,=|"

DONE = {
    "done",
    "yes",
    "готово",
    "сделано",
    "да",
    "完成",
    "已完成",
    "是",
    "zrobione",
    "gotowe",
    "tak",
}
NOT_DONE = {"not done", "no", "не готово", "нет", "未完成", "否", "niezrobione", "nie"}


def _milestone_words() -> tuple[set[str], set[str]]:
    """Done and not done as above, and as the pages say them in every language."""
    done, not_done = set(DONE), set(NOT_DONE)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            done |= {fold(_("done")), fold(_("Done"))}
            not_done |= {fold(_("not done")), fold(_("Not done"))}
    return done, not_done


def fold(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").split())


def _confidence_words() -> list[tuple[str, str]]:
    """Each confidence's name in every language, and a few plain synonyms; longest first."""
    words = {
        "green": CheckIn.Confidence.ON_TRACK,
        "on track": CheckIn.Confidence.ON_TRACK,
        "ok": CheckIn.Confidence.ON_TRACK,
        "yellow": CheckIn.Confidence.AT_RISK,
        "at risk": CheckIn.Confidence.AT_RISK,
        "risk": CheckIn.Confidence.AT_RISK,
        "red": CheckIn.Confidence.OFF_TRACK,
        "off track": CheckIn.Confidence.OFF_TRACK,
    }
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for value, label in CheckIn.Confidence.choices:
                words[fold(str(label))] = value
    return sorted(words.items(), key=lambda item: -len(item[0]))


@dataclass
class Reading:
    """What a message said: the check-ins to record, and each line that could not be read."""

    entries: list[CheckInEntry] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # line, why

    @property
    def empty(self) -> bool:
        return not self.entries and not self.problems


def reply_lines(text: str) -> list[str]:
    """The lines a person wrote above the quoted message and the signature."""
    lines: list[str] = []
    for raw in text[:MAX_TEXT].splitlines():
        line = raw.strip()
        if line.startswith(">") or line in ("--", "-- ") or line.startswith("-----"):
            break
        if _QUOTE_HEADER.match(line):
            break
        if line:
            lines.append(line[:MAX_LINE])
        if len(lines) >= MAX_LINES:
            break
    return lines


def _number(raw: str) -> float:
    raw = raw.replace("\u00a0", "").replace("\u202f", "")
    if re.fullmatch(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
        raw = raw.replace(",", "")
    return float(raw.replace(",", "."))


def _find_kr(reference: str, krs: list[KeyResult]) -> tuple[KeyResult | None, str]:
    """The one key result that ``reference`` names, or None and why."""
    ref = fold(reference).strip(_TRIM)
    if not ref:
        if len(krs) == 1:
            return krs[0], ""
        return None, _("Name the key result first (its number in the list or words of its title).")
    titles = [(kr, fold(kr.title)) for kr in krs]
    exact = [kr for kr, title in titles if title == ref]
    if len(exact) == 1:
        return exact[0], ""
    found = [kr for kr, title in titles if ref in title]
    if not found:
        words = ref.split()
        found = [kr for kr, title in titles if all(w in title for w in words)]
    if len(found) == 1:
        return found[0], ""
    if not found:
        return None, _("No key result of yours matches “%(ref)s”.") % {"ref": reference.strip()}
    return None, _("“%(ref)s” matches several key results: %(titles)s. Use its number.") % {
        "ref": reference.strip(),
        "titles": "; ".join(kr.title for kr in found[:4]),
    }


def _milestone_value(text: str) -> tuple[float | None, str, str]:
    """A done / not done word in ``text``: its value, the text before and after it."""
    folded = text.casefold()
    done, not_done = _milestone_words()
    for phrase in sorted(not_done | done, key=len, reverse=True):
        # Chinese is written without spaces: its words have no boundaries to look for.
        edge = "" if re.match(r"[\u3400-\u9fff]", phrase) else r"(?<!\w)"
        tail = "" if edge == "" else r"(?!\w)"
        for match in re.finditer(rf"{edge}{re.escape(phrase)}{tail}", folded):
            value = 0.0 if phrase in not_done else 1.0
            return value, text[: match.start()], text[match.end() :]
    return None, text, ""


def read_line(line: str, krs: list[KeyResult]) -> CheckInEntry | str:
    """One line: a check-in, or why it cannot be read."""
    index = _INDEX.match(line)
    rest = line
    kr = None
    number = int(next(g for g in index.groups() if g)) if index else 0
    if 1 <= number <= len(krs):
        kr = krs[number - 1]
        rest = line[index.end() :]
    # The whole title first: a title may hold numbers of its own ("Reach 50,000 leads").
    if kr is None:
        folded = fold(line)
        for candidate in sorted(krs, key=lambda k: -len(k.title)):
            title = fold(candidate.title)
            if folded.startswith(title + " "):
                kr, rest = candidate, line.strip()[len(candidate.title) :]
                break
    value = None
    if kr is None or kr.type != KeyResult.Type.MILESTONE:
        match = _NUMBER.search(rest)
        if match:
            before, after = rest[: match.start()], rest[match.end() :]
            if kr is None:
                kr, why = _find_kr(before, krs)
                if kr is None:
                    return why
            elif before.strip(_TRIM):
                return _("Write the value right after the key result.")
            value = _number(match.group(1))
            if kr.type == KeyResult.Type.MILESTONE and value not in (0, 1):
                return _("For a milestone write “done” or “not done”.")
    if value is None:
        if kr is None:
            milestone, before, after = _milestone_value(rest)
            if milestone is None:
                return _("No value found: write the new value after the key result.")
            kr, why = _find_kr(before, krs)
            if kr is None:
                return why
        else:
            milestone, before, after = _milestone_value(rest)
            if milestone is None or before.strip(_TRIM):
                if kr.type == KeyResult.Type.MILESTONE:
                    return _("For a milestone write “done” or “not done”.")
                return _("No value found: write the new value after the key result.")
        if kr.type != KeyResult.Type.MILESTONE:
            return _("“%(kr)s” needs a number.") % {"kr": kr.title}
        value = milestone
    after = after.strip(_TRIM)
    unit = fold(kr.unit) if kr.unit else ""
    if unit and fold(after).startswith(unit):
        after = after[len(kr.unit) :].strip(_TRIM)
    confidence = kr.current_confidence or CheckIn.Confidence.ON_TRACK
    folded_after = after.casefold()
    for word, value_of in _confidence_words():
        if folded_after.startswith(word) and (
            len(folded_after) == len(word) or not folded_after[len(word)].isalnum()
        ):
            confidence, after = value_of, after[len(word) :].strip(_TRIM)
            break
    return CheckInEntry(key_result=kr, value=value, confidence=confidence, comment=after[:2000])


def read(text: str, krs: list[KeyResult]) -> Reading:
    """Every line of a reply: check-ins to record and lines that could not be read. A key
    result named twice keeps its last line."""
    reading = Reading()
    chosen: dict[int, CheckInEntry] = {}
    for line in reply_lines(text):
        found = read_line(line, krs)
        if isinstance(found, str):
            reading.problems.append((line, found))
        else:
            chosen[found.key_result.pk] = found
    reading.entries = list(chosen.values())
    return reading


def example(krs: list[KeyResult]) -> str:
    """A line to copy, made from the reader's first key result."""
    if not krs:
        return "NPS 61 " + fold(_("At risk")) + " …"
    kr = krs[0]
    if kr.type == KeyResult.Type.MILESTONE:
        return "1. " + _("done")
    value = kr.current_value if kr.current_value is not None else kr.start
    shown = f"{value:g}" if value is not None else "0"
    return f"1. {shown} {fold(_('At risk'))} " + _("waiting on the CRM")
