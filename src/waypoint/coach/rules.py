"""The coach's quality rules: small pure functions over plain data, each from the seeds.

Every rule has a stable id, a severity and a message that says why it matters and how to
fix it, in the reader's language (the messages are gettext strings). Rules never touch the
database: ``coach.selectors`` and ``coach.lint`` turn objectives into the dataclasses below.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import get_language, gettext, gettext_lazy

from waypoint.lib import text


@functools.lru_cache(maxsize=1024)
def _translated(language: str | None, message: str) -> str:
    return gettext(message)


def _(message: str) -> str:
    """gettext, remembered per language: a file of 10,000 objectives gives 20,000 findings
    that share a dozen messages, and Django's lookup costs more than the rule that found
    them."""
    return _translated(get_language(), message)


ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass(frozen=True)
class KR:
    title: str
    type: str | None = None
    target: float | None = None
    owner: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class Objective:
    key: str  # the id in a file, or the database id
    title: str
    why: str = ""
    owner: str | None = None
    level: str = "team"
    kind: str = "aspirational"
    teams: Sequence[str] = ()
    parent: str | None = None  # key of the objective it aligns to
    key_results: Sequence[KR] = ()


@dataclass(frozen=True)
class KPI:
    key: str
    name: str
    serves: bool = False  # serves a key result
    process: bool = False  # measures a process


@dataclass(frozen=True)
class Outcome:
    """One aspirational objective's score in a closed cycle (for sandbagging)."""

    cycle: str
    cycle_end: str  # ISO date, to order cycles
    owner: str | None
    teams: Sequence[str]
    score: float


@dataclass
class Settings:
    """Per-workspace limits and switches."""

    min_krs: int = 2
    max_krs: int = 5
    max_objectives: int = 5
    disabled: frozenset[str] = frozenset()
    sandbagging_cycles: int = 2


@dataclass
class Context:
    """Everything a cycle's rules may look at."""

    objectives: Sequence[Objective]
    parents: dict[str, Objective] = field(default_factory=dict)  # parents outside the set
    kpis: Sequence[KPI] = ()
    history: Sequence[Outcome] = ()
    settings: Settings = field(default_factory=Settings)


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    objective: str | None  # the objective's key
    key_result: str | None  # the key result's title
    message: str
    kpi: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: object  # lazy translation
    source: str
    check: Callable[[Context], Iterable[Finding]]


RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, title, source: str):
    def register(fn):
        RULES[id] = Rule(id=id, severity=severity, title=title, source=source, check=fn)
        return fn

    return register


# --- Objective rules --------------------------------------------------------------------------


@rule("objective-is-metric", ERROR, gettext_lazy("Objective is only a number"), "seed 000")
def objective_is_metric(ctx: Context):
    """Seed 000, "ЭТО НЕ OKR!": "Продать бронирований на 10 млн" is a KPI dressed as an
    objective. An objective is a qualitative destination; numbers belong in key results."""
    for o in ctx.objectives:
        if text.objective_quantities(o.title):
            yield Finding(
                "objective-is-metric",
                ERROR,
                o.key,
                None,
                _(
                    "“%(title)s” is a number to reach, not a destination: this is a KPI dressed "
                    "as an objective. Say where you want to be and why it matters (“Customers "
                    "choose us first”), and move the number into a key result."
                )
                % {"title": o.title},
            )


@rule("missing-why", WARNING, gettext_lazy("No answer to “so what?”"), "seeds 000, 003")
def missing_why(ctx: Context):
    """Seed 000's experts, "Чтобы что?"; seed 003: alignment with what the business does.
    Without a why, nobody can judge the key results or make trade-offs."""
    for o in ctx.objectives:
        if len((o.why or "").strip()) < 3:
            yield Finding(
                "missing-why",
                WARNING,
                o.key,
                None,
                _(
                    "“%(title)s” does not say why it matters. Answer “so what?” in a sentence: "
                    "what gets better for customers or the business when it is reached."
                )
                % {"title": o.title},
            )


@rule(
    "business-as-usual",
    WARNING,
    gettext_lazy("Business as usual, not a change"),
    "seed 003",
)
def business_as_usual(ctx: Context):
    """Seed 003, Google's practice: an objective that only keeps things as they are ("keep
    our market position") is business as usual. It is the work of a process, watched by a
    KPI and its thresholds; an OKR says what must be different at the end of the cycle."""
    for o in ctx.objectives:
        if text.is_business_as_usual(o.title):
            yield Finding(
                "business-as-usual",
                WARNING,
                o.key,
                None,
                _(
                    "“%(title)s” keeps things as they are: that is business as usual, the work "
                    "of a process. Watch it with a KPI and its thresholds, and keep OKRs for what "
                    "must change: what should be different by the end of the cycle?"
                )
                % {"title": o.title},
            )


@rule("kr-count", WARNING, gettext_lazy("Too few or too many key results"), "seed 001")
def kr_count(ctx: Context):
    """Seed 001: one objective with two to five key results. One cannot show you arrived;
    six or more split the attention."""
    lo, hi = ctx.settings.min_krs, ctx.settings.max_krs
    for o in ctx.objectives:
        n = len(o.key_results)
        if n < lo:
            yield Finding(
                "kr-count",
                WARNING,
                o.key,
                None,
                _(
                    "“%(title)s” has %(n)s key results: with fewer than %(min)s you cannot tell "
                    "whether you arrived. Add the outcomes that would prove it."
                )
                % {"title": o.title, "n": n, "min": lo},
            )
        elif n > hi:
            yield Finding(
                "kr-count",
                WARNING,
                o.key,
                None,
                _(
                    "“%(title)s” has %(n)s key results: more than %(max)s dilutes focus. Keep the "
                    "ones that matter most; the rest are KPIs or initiatives."
                )
                % {"title": o.title, "n": n, "max": hi},
            )


def _kr_teams(o: Objective) -> set[str]:
    import re

    teams = {kr.team.strip().lower() for kr in o.key_results if kr.team}
    for kr in o.key_results:
        marker = re.search(r"\(([^()]{3,40})\)\s*$", kr.title)
        if marker and re.search(r"(?i)цель|goal|cel\b|目标", marker.group(1)):
            teams.add(marker.group(1).strip().lower())
    return teams


@rule("defocus", WARNING, gettext_lazy("Key results pull in different directions"), "seed 000")
def defocus(ctx: Context):
    """Seed 000, "Это же расфокус!": key results that belong to three teams or more, key
    results from the back office (accounting, the office, internal IT, company events) under
    an objective about something else, or a company growth KPI slipped in among key results
    about an experience, split one objective into several."""
    for o in ctx.objectives:
        krs = [kr.title for kr in o.key_results]
        teams = _kr_teams(o)
        own_domain = text.back_office_domain(o.title)
        intruders = [t for t in krs if text.back_office_domain(t) not in (None, own_domain)]
        growth = [t for t in krs if text.is_growth_kpi(t)]
        growth_intrudes = (
            len(krs) >= 4
            and len(growth) == 1
            and not text.is_growth_kpi(o.title)
            and not (text.stems(growth[0]) & text.stems(o.title))
        )
        if len(teams) >= 3 or (intruders and len(krs) >= 3) or growth_intrudes:
            yield Finding(
                "defocus",
                WARNING,
                o.key,
                None,
                _(
                    "The key results of “%(title)s” pull in different directions (different "
                    "teams or unrelated topics). One objective, one focus: split it, or keep the "
                    "key results that serve the same destination."
                )
                % {"title": o.title},
            )


@rule("no-owner", WARNING, gettext_lazy("Nobody is accountable"), "seed 003")
def no_owner(ctx: Context):
    """Seed 003: accountability, an owner for each part. A key result without an owner of
    its own falls to the objective's owner; an objective without one falls to nobody."""
    for o in ctx.objectives:
        if not o.owner:
            yield Finding(
                "no-owner",
                WARNING,
                o.key,
                None,
                _("Nobody owns “%(title)s”. Name one person who answers for it at every check-in.")
                % {"title": o.title},
            )


# --- Key result rules -------------------------------------------------------------------------


@rule("kr-is-activity", WARNING, gettext_lazy("Key result is a task"), "seeds 000, 001")
def kr_is_activity(ctx: Context):
    """Seed 000 ("Запустить новый продукт", "100% карточек товара оформлено") and seed 001
    (initiatives seed the next OKRs): work to do is an initiative, not a key result."""
    for o in ctx.objectives:
        for kr in o.key_results:
            if text.is_activity(kr.title):
                yield Finding(
                    "kr-is-activity",
                    WARNING,
                    o.key,
                    kr.title,
                    _(
                        "“%(kr)s” is work to do, not a result: it is an initiative. Ask what "
                        "changes when it is done and measure that (“Raise activation from 30%% "
                        "to 45%%” instead of “Launch onboarding emails”)."
                    )
                    % {"kr": kr.title},
                )


@rule("kr-not-measurable", ERROR, gettext_lazy("Key result has no number"), "seeds 001, 003")
def kr_not_measurable(ctx: Context):
    """Seed 001: key results are measurable; seed 003: SMART. Seed 000's "Улучшить
    долгосрочные отношения" leaves nothing to check at the end of the cycle."""
    for o in ctx.objectives:
        for kr in o.key_results:
            if kr.target is not None:
                continue
            if not text.has_number(kr.title) and not text.is_activity(kr.title):
                yield Finding(
                    "kr-not-measurable",
                    ERROR,
                    o.key,
                    kr.title,
                    _(
                        "“%(kr)s” has no number to reach, so nobody can tell at the end of the "
                        "cycle whether it happened. Say from what to what: “Raise retention from "
                        "80%% to 90%%”."
                    )
                    % {"kr": kr.title},
                )


# --- Rules that look across objectives --------------------------------------------------------


@rule("too-many-objectives", WARNING, gettext_lazy("Too many objectives"), "seed 003")
def too_many_objectives(ctx: Context):
    """Seed 003: 3 to 5 OKRs a level; more than 5 blurs the attention."""
    limit = ctx.settings.max_objectives
    groups: dict[tuple[str, str], list[Objective]] = defaultdict(list)
    for o in ctx.objectives:
        if o.level == "company":
            groups[("company", "")].append(o)
        if o.owner:
            groups[("owner", o.owner)].append(o)
        for t in o.teams:
            groups[("team", t)].append(o)
    for (kind, name), objs in groups.items():
        if len(objs) > limit:
            who = {"company": _("The company"), "owner": name, "team": name}[kind]
            yield Finding(
                "too-many-objectives",
                WARNING,
                objs[limit].key,
                None,
                _(
                    "%(who)s has %(n)s objectives in this cycle; more than %(max)s blurs focus. "
                    "Choose the few that matter most; the rest can wait or become KPIs."
                )
                % {"who": who, "n": len(objs), "max": limit},
            )


@functools.lru_cache(maxsize=200_000)
def _features(s: str) -> tuple[frozenset, frozenset]:
    """A text's word stems and numbers, worked out once however often it is compared."""
    return frozenset(text.stems(s)), frozenset(text.numbers(s))


def _similar(a: str, b: str) -> bool:
    (sa, na), (sb, nb) = _features(a), _features(b)
    if not sa or not sb:
        return False
    overlap = len(sa & sb) / min(len(sa), len(sb))
    return overlap >= 0.6 and (na == nb or not (na or nb) or bool(na & nb))


@rule("cascaded-kpi", WARNING, gettext_lazy("Objective copies a KPI from above"), "seed 000")
def cascaded_kpi(ctx: Context):
    """Seed 000, stage 2: lower-level objectives are KPIs cascaded straight from the
    strategic OKR. Alignment means the team says how it contributes, not copies the number."""
    by_key = {o.key: o for o in ctx.objectives} | ctx.parents
    # KPI names by their stems: an objective is compared only with the KPIs it shares a
    # word with (similar texts share most of theirs), not with every KPI of the workspace.
    kpi_names = [k.name for k in ctx.kpis]
    by_stem: dict[str, list[int]] = {}
    for i, name in enumerate(kpi_names):
        for stem in _features(name)[0]:
            by_stem.setdefault(stem, []).append(i)
    for o in ctx.objectives:
        parent = by_key.get(o.parent) if o.parent else None
        sources = [kr.title for kr in parent.key_results] if parent else []
        if o.level != "company":
            near = {i for stem in _features(o.title)[0] for i in by_stem.get(stem, ())}
            sources += [kpi_names[i] for i in sorted(near)]
        for source in sources:
            if _similar(o.title, source):
                yield Finding(
                    "cascaded-kpi",
                    WARNING,
                    o.key,
                    None,
                    _(
                        "“%(title)s” copies “%(source)s” from above. Write the team's own "
                        "objective: what it will change so that the number above moves."
                    )
                    % {"title": o.title, "source": source},
                )
                break


@rule("kpi-without-kr", WARNING, gettext_lazy("KPI serves nothing"), "seed 002")
def kpi_without_kr(ctx: Context):
    """Seed 002: the classic mistakes are a KPI without a key result and a KPI without
    understanding the process. No process, no KPI."""
    for k in ctx.kpis:
        if not k.serves and not k.process:
            yield Finding(
                "kpi-without-kr",
                WARNING,
                None,
                None,
                _(
                    "The KPI “%(name)s” serves no key result and measures no process. Link it to "
                    "the key result it supports or the process stage it watches, or retire it."
                )
                % {"name": k.name},
                kpi=k.key,
            )


@rule("sandbagging", INFO, gettext_lazy("Always above 0.7"), "seed 003")
def sandbagging(ctx: Context):
    """Seed 003, Google's sweet spot: aspirational OKRs scoring above 0.7 cycle after cycle
    were not ambitious enough."""
    need = ctx.settings.sandbagging_cycles
    people: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    ends: dict[str, str] = {}
    for h in ctx.history:
        ends[h.cycle] = h.cycle_end
        for who in ([h.owner] if h.owner else []) + [f"team:{t}" for t in h.teams]:
            people[who][h.cycle].append(h.score)
    flagged = set()
    for who, cycles in people.items():
        recent = sorted(cycles, key=ends.__getitem__)[-need:]
        if len(recent) >= need and all(sum(cycles[c]) / len(cycles[c]) > 0.7 for c in recent):
            flagged.add(who)
    for o in ctx.objectives:
        if o.kind != "aspirational":
            continue
        whos = ([o.owner] if o.owner else []) + [f"team:{t}" for t in o.teams]
        hit = next((w for w in whos if w in flagged), None)
        if hit:
            name = hit.removeprefix("team:")
            yield Finding(
                "sandbagging",
                INFO,
                o.key,
                None,
                _(
                    "%(who)s scored above 0.7 on aspirational objectives in each of the last "
                    "%(n)s cycles: the goals may not be ambitious enough. Aim where 0.6-0.7 "
                    "would already be a success."
                )
                % {"who": name, "n": need},
            )


def run(ctx: Context) -> list[Finding]:
    """Every enabled rule's findings, errors first."""
    out: list[Finding] = []
    for rule_id, r in RULES.items():
        if rule_id in ctx.settings.disabled:
            continue
        out.extend(r.check(ctx))
    out.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    return out


# --- Quality scores ---------------------------------------------------------------------------

PENALTY = {ERROR: 0.35, WARNING: 0.15, INFO: 0.05}


def quality(findings: Iterable[Finding]) -> float:
    """1.0 for an objective the coach has nothing to say about; each finding costs points."""
    return max(0.0, 1.0 - sum(PENALTY[f.severity] for f in findings))


def quality_by_objective(objectives: Sequence[Objective], findings: Sequence[Finding]):
    by_key: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        if f.objective is not None:
            by_key[f.objective].append(f)
    scores = {o.key: quality(by_key.get(o.key, [])) for o in objectives}
    cycle = sum(scores.values()) / len(scores) if scores else None
    return scores, cycle
