"""Checks on a key result's definition, shared by the services and the OKR file importer."""

from __future__ import annotations

import math

from django.utils.translation import gettext as _

from waypoint.lib import scoring


def kr_definition_errors(
    *, type: str, start: float | None, target: float | None, weight: float = 1.0
) -> dict[str, str]:
    """Field name -> message for everything wrong with a key result's numbers."""
    errors: dict[str, str] = {}
    if type not in scoring.KR_TYPES:
        errors["type"] = _("Unknown key result type %(type)s (use one of: %(types)s).") % {
            "type": type,
            "types": ", ".join(scoring.KR_TYPES),
        }
        return errors
    for name, value in (("start", start), ("target", target), ("weight", weight)):
        if value is not None and not math.isfinite(value):
            errors[name] = _("Must be a finite number.")
    if weight is None or (math.isfinite(weight) and weight <= 0):
        errors["weight"] = _("The weight must be greater than 0.")
    if errors or type == scoring.MILESTONE:
        return errors
    if target is None:
        errors["target"] = _("A %(type)s key result needs a target.") % {"type": type}
        return errors
    if type in (scoring.INCREASE, scoring.DECREASE):
        begin = 0.0 if start is None else start
        if begin == target:
            errors["target"] = _(
                "The start and the target are both %(value)s: there is nothing to %(type)s."
            ) % {"value": _fmt(target), "type": type}
        elif type == scoring.INCREASE and target < begin:
            errors["target"] = _(
                "An increase key result needs a target above its start (%(start)s); "
                "use type decrease to go down."
            ) % {"start": _fmt(begin)}
        elif type == scoring.DECREASE and target > begin:
            errors["target"] = _(
                "A decrease key result needs a target below its start (%(start)s); "
                "use type increase to go up."
            ) % {"start": _fmt(begin)}
    return errors


def checkin_value_errors(*, type: str, value: float | None) -> dict[str, str]:
    if value is None or not math.isfinite(value):
        return {"value": _("A check-in needs a number.")}
    if type == scoring.MILESTONE and value not in (0, 1):
        return {"value": _("A milestone is checked in as 0 (not done) or 1 (done).")}
    return {}


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
