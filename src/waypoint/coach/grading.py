"""Grading guidance by kind (seed 003): aspirational 0.6-0.7 is the sweet spot, 1.0 a hint
that it was not ambitious; committed below 1.0 is a missed commitment. Never tied to pay."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Guidance:
    tone: str  # good | fine | warn | bad
    text: str


def guidance(kind: str, grade: float | None) -> Guidance | None:
    if grade is None:
        return None
    if kind == "committed":
        if grade >= 0.95:
            return Guidance("good", _("Commitment met."))
        return Guidance(
            "bad",
            _(
                "A committed objective below 1.0 is a missed commitment: "
                "what got in the way, and what do we change?"
            ),
        )
    if grade >= 0.95:
        return Guidance(
            "warn",
            _(
                "1.0 on an aspirational objective: reached in full, so it "
                "may not have been ambitious enough."
            ),
        )
    if grade > 0.7:
        return Guidance(
            "fine",
            _(
                "Above the 0.6-0.7 sweet spot. Fine once; cycle after cycle "
                "it means the goals are too safe."
            ),
        )
    if grade >= 0.6:
        return Guidance("good", _("The sweet spot for an aspirational objective."))
    if grade >= 0.4:
        return Guidance("warn", _("Real progress, short of the sweet spot."))
    return Guidance(
        "bad", _("Far from the destination: what blocked it, and is it still the right objective?")
    )
