"""The maturity diagnostic (seed 000): where a company stands on the four stages of OKR
practice, from its own data, with the evidence and the next steps.

1. Survive with the new approach; 2. Self-awareness; 3. Joint focus on what matters;
4. Conscious management with OKR.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

STAGES = {
    1: gettext_lazy("Survive with the new approach"),
    2: gettext_lazy("Self-awareness"),
    3: gettext_lazy("Joint focus on what matters"),
    4: gettext_lazy("Conscious management with OKR"),
}


@dataclass(frozen=True)
class Facts:
    """What the diagnostic reads off a workspace (see ``coach.selectors.maturity_facts``)."""

    company_objectives: int  # in the latest cycle with objectives
    metric_objectives: int  # of those, numbers dressed as objectives
    lower_objectives: int  # team and individual objectives in that cycle
    aligned_lower: int  # of those, aligned to a parent
    cascaded_copies: int  # of those, copies of a parent's key result or a KPI
    cross_team: int  # objectives shared by two teams or more
    key_results: int  # in that cycle
    checked_in_recently: int  # key results with a check-in in the last 14 days
    closed_cycles: int
    reviewed_cycles: int  # closed cycles with a retrospective held
    graded_share: float  # share of closed cycles' objectives that were graded
    kpis_with_data: int
    kpis_linked: int  # serving a key result or measuring a process
    cycle_kinds: int  # different lengths in use at once (year, quarter, custom)
    reviewed_lower: int = 0  # team and individual objectives proposed by their owners
    pulse_answers: int = 0  # answers to the check-in pulse in the last 90 days
    pulse_useful: int = 0  # of those, "it was useful"


@dataclass
class Signal:
    name: str
    value: str
    stage: int  # the stage this signal points to
    evidence: str


@dataclass
class Diagnosis:
    stage: int
    signals: list[Signal] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)

    @property
    def stage_name(self):
        return STAGES[self.stage]


PULSE_ENOUGH = 5  # pulse answers before "routine or useful" counts towards a stage


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def diagnose(f: Facts) -> Diagnosis:
    """The highest stage all of whose conditions hold; the unmet ones become next steps."""
    signals: list[Signal] = []
    rhythm = _share(f.checked_in_recently, f.key_results)
    metric = _share(f.metric_objectives, f.company_objectives)
    copies = _share(f.cascaded_copies, f.aligned_lower)
    aligned = _share(f.aligned_lower, f.lower_objectives)

    def add(name, value, stage, evidence):
        signals.append(Signal(str(name), value, stage, evidence))

    add(
        _("Strategic objectives"),
        str(f.company_objectives),
        3 if 2 <= f.company_objectives <= 5 else (1 if f.company_objectives <= 1 else 2),
        _(
            "One objective meant to unite everyone is stage 1; many strategic objectives, "
            "stage 2; a limited few (2-5), stage 3."
        ),
    )
    add(
        _("Metrics dressed as objectives"),
        f"{metric:.0%}",
        3 if metric <= 0.34 else (1 if metric >= 0.67 else 2),
        _(
            "At stage 1 the top objective is a business metric or a slogan; from stage 3 it "
            "solves a concrete problem."
        ),
    )
    add(
        _("Aligned, not copied"),
        _("%(aligned)s aligned, %(copies)s copied")
        % {"aligned": f"{aligned:.0%}", "copies": f"{copies:.0%}"},
        3 if aligned >= 0.5 and copies <= 0.2 else (2 if aligned >= 0.5 else 1),
        _(
            "Stage 2 cascades KPIs straight down; stage 3 aligns with the people who set the "
            "goals, in their own words."
        ),
    )
    add(
        _("Cross-team objectives"),
        str(f.cross_team),
        3 if f.cross_team else 2,
        _("Shared objectives across teams appear at stage 3."),
    )
    add(
        _("Check-in rhythm"),
        f"{rhythm:.0%}",
        4 if rhythm >= 0.75 else (3 if rhythm >= 0.5 else (2 if rhythm >= 0.2 else 1)),
        _(
            "Share of key results checked in during the last 14 days. Tracking that is a "
            "chore is stage 1; useful but heavy, stage 2; focused on achievements, stage 3."
        ),
    )
    if f.lower_objectives:
        taken_part = _share(f.reviewed_lower, f.lower_objectives)
        add(
            _("Goals set with the people who do them"),
            _("%(share)s proposed by their owners and reviewed") % {"share": f"{taken_part:.0%}"},
            3 if taken_part >= 0.5 else 2,
            _(
                "At stage 2 goals come down from above; at stage 3 the people who will do "
                "the work propose them and their leads review them."
            ),
        )
    useful = _share(f.pulse_useful, f.pulse_answers)
    if f.pulse_answers:
        add(
            _("Tracking: useful or a routine"),
            _("%(useful)s useful, of %(n)s answers")
            % {"useful": f"{useful:.0%}", "n": f.pulse_answers},
            3 if useful >= 0.5 else (2 if useful >= 0.25 else 1),
            _(
                "The pulse after each check-in asks whether it was useful. Tracking that is "
                "a chore is stage 1; from stage 3 it is focused on achievements and useful."
            ),
        )
    add(
        _("Retrospectives"),
        _("%(reviewed)s of %(closed)s closed cycles")
        % {"reviewed": f.reviewed_cycles, "closed": f.closed_cycles},
        4 if f.closed_cycles >= 2 and f.reviewed_cycles >= 2 else (3 if f.reviewed_cycles else 2),
        _("A full OKR retrospective appears at stage 3."),
    )
    add(
        _("KPIs as a parallel process"),
        _("%(data)s with data, %(linked)s linked")
        % {"data": f.kpis_with_data, "linked": f.kpis_linked},
        3 if f.kpis_with_data and f.kpis_linked else 2,
        _("At stage 3 the business KPIs run as a process of their own, beside the OKRs."),
    )
    add(
        _("Time frames"),
        str(f.cycle_kinds),
        4 if f.cycle_kinds >= 2 else 2,
        _("At stage 4 strategic OKRs differ in their time frames, and deadlines stop being rigid."),
    )

    conditions = {
        2: [
            (
                f.company_objectives >= 1 and f.key_results >= 1,
                _("Write the first company objectives with two to five key results each."),
            ),
            (rhythm >= 0.2, _("Check in on key results every week, even briefly.")),
        ],
        3: [
            (
                2 <= f.company_objectives <= 5,
                _("Keep two to five strategic objectives a cycle; drop or merge the rest."),
            ),
            (
                metric <= 0.34,
                _(
                    "Rewrite metric objectives as problems to solve; move the "
                    "numbers into key results."
                ),
            ),
            (
                aligned >= 0.5 and copies <= 0.2,
                _(
                    "Let teams write their own objectives aligned to the company's, instead of "
                    "copying its numbers down."
                ),
            ),
            (f.cross_team >= 1, _("Set at least one objective shared by two teams.")),
            (
                f.pulse_answers < PULSE_ENOUGH or useful >= 0.5,
                _(
                    "Make the check-in useful, not a routine: talk about what moved and what "
                    "to do next, and drop what nobody reads."
                ),
            ),
            (
                rhythm >= 0.5,
                _(
                    "Make the weekly check-in a habit: at least half of the key "
                    "results updated every two weeks."
                ),
            ),
            (
                f.reviewed_cycles >= 1,
                _(
                    "Close a cycle with a retrospective: grade, what "
                    "worked, what did not, what we learned."
                ),
            ),
            (
                f.kpis_with_data >= 1 and f.kpis_linked >= 1,
                _(
                    "Run the business KPIs as their own process, linked to processes and key "
                    "results."
                ),
            ),
        ],
        4: [
            (
                f.cycle_kinds >= 2,
                _(
                    "Use different time frames side by side: yearly "
                    "objectives broken into quarters, custom cycles where "
                    "they fit."
                ),
            ),
            (rhythm >= 0.75, _("Check in on three quarters of the key results every two weeks.")),
            (
                f.closed_cycles >= 2 and f.reviewed_cycles >= 2,
                _("Hold a retrospective at the end of every cycle."),
            ),
        ],
    }
    stage = 1
    for level in (2, 3, 4):
        if all(ok for ok, _step in conditions[level]):
            stage = level
        else:
            break
    steps = [step for ok, step in conditions.get(stage + 1, []) if not ok]
    return Diagnosis(stage=stage, signals=signals, next_steps=steps)


@dataclass(frozen=True)
class Change:
    """One signal between two stored diagnoses."""

    name: str
    before: str
    after: str
    stage_before: int
    stage_after: int

    @property
    def direction(self) -> int:
        return (self.stage_after > self.stage_before) - (self.stage_after < self.stage_before)


def changes(before: Diagnosis, after: Diagnosis) -> list[Change]:
    """The signals that moved (value or stage) from one diagnosis to the next."""
    earlier = {s.name: s for s in before.signals}
    out = []
    for s in after.signals:
        old = earlier.get(s.name)
        if old is not None and (old.value != s.value or old.stage != s.stage):
            out.append(Change(s.name, old.value, s.value, old.stage, s.stage))
    return out


def from_stored(facts: dict) -> Diagnosis:
    """A stored diagnosis's signals and steps, in the active language, from its facts (a
    fact added since it was stored counts as zero)."""
    known = {f.name: facts.get(f.name, 0) for f in dataclasses.fields(Facts)}
    return diagnose(Facts(**known))
