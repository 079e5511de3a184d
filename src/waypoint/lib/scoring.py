"""Scoring of key results and objectives: the exact rules of the README's Scoring section,
as pure functions.

Nothing here touches the database. Screens, exports and the API all call these functions,
so they agree to the last digit. Values are stored unrounded; rounding is for display only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

INCREASE = "increase"
DECREASE = "decrease"
MAINTAIN = "maintain"
MILESTONE = "milestone"
KR_TYPES = (INCREASE, DECREASE, MAINTAIN, MILESTONE)

SPECTRUM = "spectrum"
BINARY = "binary"
SCORING_MODES = (SPECTRUM, BINARY)

HIGHER_IS_BETTER = "higher_is_better"
LOWER_IS_BETTER = "lower_is_better"
DIRECTIONS = (HIGHER_IS_BETTER, LOWER_IS_BETTER)


def clamp01(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else float(x)


def kr_progress(
    kr_type: str,
    *,
    start: float | None,
    target: float | None,
    current: float | None,
    direction: str = HIGHER_IS_BETTER,
) -> float:
    """Progress of a key result in [0, 1]; 0 before the first check-in.

    A zero-length range (start equal to target) cannot be divided by: the key result is
    then done (1) once the current value has reached the target, and 0 before.
    """
    if current is None:
        return 0.0
    if kr_type == MILESTONE:
        return 1.0 if current >= 1 else 0.0
    if target is None:
        return 0.0
    if kr_type == MAINTAIN:
        holds = current <= target if direction == LOWER_IS_BETTER else current >= target
        return 1.0 if holds else 0.0
    if start is None:
        start = 0.0
    if kr_type == INCREASE:
        if target == start:
            return 1.0 if current >= target else 0.0
        return clamp01((current - start) / (target - start))
    if kr_type == DECREASE:
        if target == start:
            return 1.0 if current <= target else 0.0
        return clamp01((start - current) / (start - target))
    raise ValueError(f"unknown key result type: {kr_type!r}")


def kr_score(progress: float, scoring: str = SPECTRUM) -> float:
    """Spectrum: the progress itself. Binary: 1 only when the key result is fully done."""
    if scoring == BINARY:
        return 1.0 if progress >= 1.0 else 0.0
    return clamp01(progress)


def weighted_mean(scores_and_weights: Iterable[tuple[float, float]]) -> float:
    """Weighted mean of (score, weight) pairs; 0 with no pairs or no positive weight."""
    total = 0.0
    weights = 0.0
    for score, weight in scores_and_weights:
        if weight <= 0:
            continue
        total += score * weight
        weights += weight
    return total / weights if weights else 0.0


def expected_progress(start: date, end: date, on: date) -> float:
    """The elapsed fraction of a cycle on a date: 0 on its first day, 1 on its last."""
    if on <= start:
        return 0.0 if end > start else (1.0 if on >= end else 0.0)
    if on >= end:
        return 1.0
    return (on - start).days / (end - start).days


def pace(progress: float, expected: float) -> float:
    """Ahead (positive) or behind (negative) the straight line through the cycle."""
    return progress - expected


def pace_band(value: float) -> str:
    """``ahead`` (on pace or better, within 5 points), ``behind`` (up to 20 points) or
    ``late`` (further behind: red)."""
    return "ahead" if value >= -0.05 else "behind" if value >= -0.2 else "late"


# --- Objective trees ------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyResultInput:
    """The plain data a key result's score needs."""

    id: int
    type: str
    start: float | None
    target: float | None
    current: float | None
    scoring: str = SPECTRUM
    weight: float = 1.0
    direction: str = HIGHER_IS_BETTER
    driven_by_children: bool = False
    feeders: Sequence[int] = ()  # key results that roll into this one


@dataclass(frozen=True)
class ObjectiveInput:
    """An objective, its key results and the objectives that count towards it (by id):
    those aligned under it and those that contribute to it besides their own parent, with
    the weight of each (1 when not given)."""

    id: int
    key_results: Sequence[KeyResultInput] = ()
    children: Sequence[int] = ()
    weights: Mapping[int, float] = field(default_factory=dict)


@dataclass
class Scores:
    """Computed progress and score of every objective and key result of a tree.

    An objective's score is the weighted mean of its key results' scores; its progress the
    weighted mean of their progress (the two differ only where binary scoring is used).
    """

    objective: dict[int, float] = field(default_factory=dict)
    objective_progress: dict[int, float] = field(default_factory=dict)
    kr_progress: dict[int, float] = field(default_factory=dict)
    kr_score: dict[int, float] = field(default_factory=dict)


def driven_progress(children: Iterable[tuple[float, float]]) -> float:
    """A key result driven by the objectives below: the weighted mean of their scores
    (score, weight), in the order of their ids; 0 when none counts."""
    return clamp01(weighted_mean(children))


def score_objectives(objectives: Mapping[int, ObjectiveInput]) -> Scores:
    """Score every objective of a set, resolving key results driven by child objectives.

    A key result driven by children takes as progress the weighted mean score of the
    objectives that count towards its objective (``driven_progress``; 0 when none does); a
    key result that others roll into, the weighted mean of their progress.
    Children outside the given set are ignored; a loop in the alignment (which the services
    refuse) scores the repeated objective as 0 instead of recursing forever.
    """
    out = Scores()
    in_progress: set[int] = set()
    home = {kr.id: (o.id, kr.weight) for o in objectives.values() for kr in o.key_results}

    def rolled(kr_id: int) -> tuple[float, float]:
        """A feeder's progress (scoring its objective first) and its weight."""
        obj_id, weight = home[kr_id]
        score(obj_id)
        return out.kr_progress.get(kr_id, 0.0), weight

    def score(obj_id: int) -> float:
        if obj_id in out.objective:
            return out.objective[obj_id]
        if obj_id in in_progress:
            return 0.0
        in_progress.add(obj_id)
        obj = objectives[obj_id]
        pairs = []
        progress_pairs = []
        for kr in obj.key_results:
            if kr.driven_by_children:
                kids = [
                    (score(c), obj.weights.get(c, 1.0))
                    for c in sorted(obj.children)
                    if c in objectives
                ]
                progress = driven_progress(kids)
            elif kr.feeders:
                progress = driven_progress(rolled(f) for f in sorted(kr.feeders) if f in home)
            else:
                progress = kr_progress(
                    kr.type,
                    start=kr.start,
                    target=kr.target,
                    current=kr.current,
                    direction=kr.direction,
                )
            s = kr_score(progress, kr.scoring)
            out.kr_progress[kr.id] = progress
            out.kr_score[kr.id] = s
            pairs.append((s, kr.weight))
            progress_pairs.append((progress, kr.weight))
        in_progress.discard(obj_id)
        out.objective_progress[obj_id] = weighted_mean(progress_pairs)
        out.objective[obj_id] = weighted_mean(pairs)
        return out.objective[obj_id]

    for obj_id in objectives:
        score(obj_id)
    return out


# --- Grades (seed 003, Google's practice) ------------------------------------------------------


def suggested_grade(score: float) -> float:
    """A score as grades are given: 0.0 to 1.0, one decimal."""
    return round(clamp01(score), 1)


def graded_mean(
    key_results: Iterable[tuple[float | None, float, float]], objective_score: float
) -> float:
    """An objective's suggested grade from its key results' (grade, score, weight): the
    weighted mean of their grades, an ungraded one counting with its score as a grade; an
    objective without key results is suggested its own score."""
    pairs = [
        (grade if grade is not None else suggested_grade(score), weight)
        for grade, score, weight in key_results
    ]
    return round(weighted_mean(pairs), 2) if pairs else suggested_grade(objective_score)


# Google's colours for grades (seed 003): 0.7-1.0 green, delivered; 0.4-0.6 yellow, progress
# short of it; 0.0-0.3 red, no real progress. A grade is read to one decimal first.
def grade_band(grade: float | None) -> str | None:
    """``red``, ``yellow`` or ``green``; None for no grade."""
    if grade is None:
        return None
    tenth = round(grade, 1)
    return "green" if tenth >= 0.7 else "yellow" if tenth >= 0.4 else "red"
