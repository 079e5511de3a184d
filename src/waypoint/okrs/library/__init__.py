"""The OKR template library: objectives with their key results for each function (sales,
marketing, operations, support, engineering, people, an agency's client), in the four
languages, each with the coach's verdict. Some are the seeds' counter-examples (a metric as
an objective, activities as key results, "business as usual"), shown with what the coach
says and the good objective they should have been.

The numbers live once (``shapes``); the words in ``texts_<language>``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from waypoint.coach import rules
from waypoint.workspaces.models import Member, User

from .. import services
from ..models import Cycle, KeyResult, Objective
from .shapes import SHAPES

LANGUAGES = ("en", "ru", "zh_Hans", "pl")
FUNCTIONS = {
    "sales": _("Sales"),
    "marketing": _("Marketing"),
    "operations": _("Operations"),
    "support": _("Customer support"),
    "engineering": _("Engineering"),
    "hr": _("People (HR)"),
    "agency": _("An agency's client"),
}
TYPES = {
    "i": KeyResult.Type.INCREASE,
    "d": KeyResult.Type.DECREASE,
    "m": KeyResult.Type.MILESTONE,
    "k": KeyResult.Type.MAINTAIN,
}


@dataclass(frozen=True)
class EntryKr:
    title: str
    type: str
    start: float
    target: float
    unit: str


@dataclass(frozen=True)
class Entry:
    key: str
    function: str
    title: str
    why: str
    krs: tuple[EntryKr, ...]
    better: str | None  # a counter-example: the entry it should have been

    @property
    def counter(self) -> bool:
        return self.better is not None

    @property
    def function_label(self):
        return FUNCTIONS[self.function]


def language_of(code: str | None) -> str:
    """The library's language for a Django language code (zh-hans -> zh_Hans)."""
    code = (code or "en").lower()
    if code.startswith("zh"):
        return "zh_Hans"
    return code[:2] if code[:2] in LANGUAGES else "en"


@cache
def entries(language: str) -> tuple[Entry, ...]:
    """Every entry, in the library's order, with the words of ``language``."""
    texts = importlib.import_module(f"{__name__}.texts_{language_of(language)}").TEXTS
    out = []
    for key, function, better, shape in SHAPES:
        title, why, krs = texts[key]
        out.append(
            Entry(
                key=key,
                function=function,
                title=title,
                why=why,
                krs=tuple(
                    EntryKr(kr_title, TYPES[t], start, target, unit)
                    for (kr_title, unit), (t, start, target) in zip(krs, shape, strict=True)
                ),
                better=better,
            )
        )
    return tuple(out)


def by_key(language: str) -> dict[str, Entry]:
    return {e.key: e for e in entries(language)}


def verdict(entry: Entry) -> list[rules.Finding]:
    """What the coach says of the entry on its own, in the active language: an owner is
    assumed (a template has none yet) and cycle-wide rules do not apply."""
    objective = rules.Objective(
        key=entry.key,
        title=entry.title,
        why=entry.why,
        owner="template",
        key_results=[rules.KR(kr.title, kr.type, kr.target) for kr in entry.krs],
    )
    settings = rules.Settings(disabled=frozenset({"too-many-objectives", "sandbagging"}))
    return rules.run(rules.Context(objectives=[objective], settings=settings))


def search(language: str, q: str = "", function: str = "") -> list[Entry]:
    """Entries whose words hold every word of ``q`` (any case), of ``function`` if given."""
    words = q.lower().split()
    found = []
    for entry in entries(language):
        if function and entry.function != function:
            continue
        text = " ".join([entry.title, entry.why, *(kr.title for kr in entry.krs)]).lower()
        if all(w in text for w in words):
            found.append(entry)
    return found


@transaction.atomic
def objective_from_entry(
    *, entry: Entry, cycle: Cycle, owner: Member, actor: User | None
) -> Objective:
    """The entry as a draft objective of ``owner`` in ``cycle``, with its key results; the
    owner adjusts the numbers in the editor and sets it active."""
    objective = services.objective_create(
        workspace=cycle.workspace,
        cycle=cycle,
        title=entry.title,
        why=entry.why,
        owner=owner,
        status=Objective.Status.DRAFT,
        actor=actor,
    )
    for kr in entry.krs:
        services.key_result_create(
            objective=objective,
            title=kr.title,
            type=kr.type,
            start=kr.start
            if kr.type in (KeyResult.Type.INCREASE, KeyResult.Type.DECREASE)
            else None,
            target=None if kr.type == KeyResult.Type.MILESTONE else kr.target,
            unit=kr.unit,
            owner=owner,
            actor=actor,
        )
    return objective


def active_language() -> str:
    return language_of(get_language())
