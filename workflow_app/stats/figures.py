"""The plan's arithmetic, with no database: consistency rules for a report's figures, the four
rates, and how far a rate is from its target (in points, and in units or members still needed).

Rates are exact fractions (``Fraction``) so that "65.0% of 40 units" needs 26 units, not 25.999…;
they are rounded only for display. A zero denominator gives no rate (``None``), never a division
error and never a misleading 0%.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from flask_babel import lazy_gettext as _l

# The figures a statistics report carries, in the order of the paper form.
FIGURES = (
    "enterprise_units",        # 企业法人单位数
    "units_with_union",        # 单独建会的企业数
    "units_in_joint_union",    # 联合工会覆盖的企业数
    "workers",                 # 职工人数
    "members",                 # 工会会员人数
    "migrant_members",         # 其中农民工会员
    "wage_bargaining_units",   # 建立工资集体协商制度的企业数
    "grassroots_unions",       # 基层工会数
)
# A rate this many points under its target counts as "close", not "behind".
CLOSE_POINTS = 5
STATUSES = ("met", "close", "behind", "no_data")


def problems(figures: Mapping[str, int | None]) -> list[tuple[str, object]]:
    """Why these figures cannot be true: (field, message for people) pairs, empty when they can."""
    found: list[tuple[str, object]] = []
    for name in FIGURES:
        value = figures.get(name)
        if value is None:
            found.append((name, _l("Please enter a number (0 when there are none).")))
        elif value < 0:
            found.append((name, _l("Must not be negative.")))
    if found:
        return found
    covered = figures["units_with_union"] + figures["units_in_joint_union"]
    if covered > figures["enterprise_units"]:
        found.append(("units_in_joint_union", _l(
            "Units with their own union (%(own)d) and units covered by a joint union (%(joint)d) add up to more "
            "than the enterprise legal-person units (%(units)d).",
            own=figures["units_with_union"], joint=figures["units_in_joint_union"], units=figures["enterprise_units"])))
    if figures["members"] > figures["workers"]:
        found.append(("members", _l("Members (%(members)d) cannot be more than workers (%(workers)d).",
                                    members=figures["members"], workers=figures["workers"])))
    if figures["migrant_members"] > figures["members"]:
        found.append(("migrant_members", _l(
            "Migrant-worker members (%(migrants)d) are part of the members (%(members)d) and cannot be more.",
            migrants=figures["migrant_members"], members=figures["members"])))
    if figures["wage_bargaining_units"] > covered:
        found.append(("wage_bargaining_units", _l(
            "Enterprises with wage collective bargaining (%(bargaining)d) must be unionised enterprises "
            "(at most %(covered)d).", bargaining=figures["wage_bargaining_units"], covered=covered)))
    if covered and not figures["grassroots_unions"]:
        found.append(("grassroots_unions", _l(
            "There are unionised enterprises, so there is at least one grassroots union.")))
    if figures["members"] and not figures["grassroots_unions"]:
        found.append(("grassroots_unions", _l("There are members, so there is at least one grassroots union.")))
    return found


def ratio(part: int | None, whole: int | None) -> Fraction | None:
    if part is None or not whole:
        return None
    return Fraction(part, whole)


@dataclass(frozen=True)
class Rates:
    """The four measures of the plan for one set of figures (a township or a sum of them)."""

    establishment: Fraction | None    # (own union + joint union) / enterprise legal-person units
    membership: Fraction | None       # members / workers
    model_home_share: Fraction | None  # grassroots unions honoured as model worker homes / grassroots unions
    wage_bargaining: Fraction | None  # enterprises with wage bargaining / unionised enterprises

    @classmethod
    def of(cls, figures: Mapping[str, int], model_homes: int = 0) -> Rates:
        covered = figures["units_with_union"] + figures["units_in_joint_union"]
        return cls(
            establishment=ratio(covered, figures["enterprise_units"]),
            membership=ratio(figures["members"], figures["workers"]),
            model_home_share=ratio(model_homes, figures["grassroots_unions"]),
            wage_bargaining=ratio(figures["wage_bargaining_units"], covered),
        )


def total(rows: list[Mapping[str, int]]) -> dict[str, int]:
    """Figures of several units added up (the county total): rates are then computed from the sums."""
    return {name: sum(row[name] for row in rows) for name in FIGURES}


@dataclass(frozen=True)
class Gap:
    """How a rate stands against its target."""

    status: str  # one of STATUSES
    points: Decimal | None  # rate − target in percentage points (negative when behind), 1 decimal
    needed: int  # units (or members, or unions) still needed to reach the target; 0 when met


def gap(part: int, whole: int, target_percent: Decimal | None) -> Gap | None:
    """``part``/``whole`` against ``target_percent``; None when there is no target for the year."""
    if target_percent is None:
        return None
    if not whole:
        return Gap("no_data", None, 0)
    rate = Fraction(part, whole)
    target = Fraction(target_percent) / 100
    points = _one_decimal((rate - target) * 100)
    needed = max(math.ceil(target * whole) - part, 0)
    if rate >= target:
        return Gap("met", points, 0)
    return Gap("close" if (target - rate) * 100 <= CLOSE_POINTS else "behind", points, needed)


def _one_decimal(value: Fraction) -> Decimal:
    """Rounded half up, as people round (and away from zero for negative gaps)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(value: Fraction | None) -> Decimal | None:
    """A rate as a percentage with one decimal, for display and export."""
    return None if value is None else _one_decimal(value * 100)
