"""Capacity bands by role and grade, pro-rated by FTE: the points themselves are never scaled."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from scoring.model import BandResult
from scoring.scheme_model import Band, CapacityProfile, Scheme
from scoring.vocabulary import StaffRole

_HUNDRED = Decimal(100)
_TENTH = Decimal("0.1")
# Points in a band label that scale with FTE are written in braces: "({350}-{400})".
SCALED_POINTS = re.compile(r"\{(\d+(?:\.\d+)?)\}")


def _points(value: Decimal) -> str:
    text = format(value.quantize(_TENTH, rounding=ROUND_HALF_UP), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def band_label(label: str, fte: Decimal, factor: Decimal) -> str:
    """The label with its points for this FTE: DCC 000:450, bandwidths are per full-time worker
    and part-time workers' pro rata, so a 0.6 FTE worker is shown the 210-240 band applied,
    not the full-time 350-400."""
    text = SCALED_POINTS.sub(lambda m: _points(Decimal(m[1]) * factor), label)
    if factor != 1:
        text += f", pro rata for {_points(fte)} FTE"
    return text


def select_profile(scheme: Scheme, role: StaffRole, grade: str | None) -> CapacityProfile | None:
    """The first profile naming the role or the grade; a profile naming neither is the default."""
    key = grade.strip().lower() if grade else None
    for profile in scheme.profiles:
        if not profile.roles and not profile.grades:
            return profile
        if role in profile.roles or (key is not None and key in profile.grades):
            return profile
    return None


def _scale(value: Decimal | None, factor: Decimal) -> Decimal | None:
    return None if value is None else value * factor


def _reached(band: Band, total: Decimal, factor: Decimal) -> bool:
    if band.above is not None:
        return total > band.above * factor
    return band.min is None or total >= band.min * factor


def classify(
    scheme: Scheme, role: StaffRole, grade: str | None, fte: Decimal, total: Decimal
) -> BandResult | None:
    """The last band whose lower edge the total has reached, with its edges after proration.

    DCC 000:450: bandwidths are per full-time worker, part-time workers pro rata; NOTTS
    001:1400-1466 tabulates the same thing per day worked (19 / 22 / 22.2 points a day).
    """
    profile = select_profile(scheme, role, grade)
    if profile is None or not profile.bands:
        return None
    factor = fte if scheme.prorate_by_fte else Decimal(1)
    chosen = profile.bands[0]
    for band in profile.bands:
        if _reached(band, total, factor):
            chosen = band
    lower = chosen.above if chosen.above is not None else chosen.min
    return BandResult(
        profile=profile.id,
        name=chosen.name,
        label=band_label(chosen.label, fte, factor),
        lower=_scale(lower, factor),
        lower_inclusive=chosen.above is None,
        upper=_scale(chosen.max, factor),
        capacity=_scale(profile.capacity, factor),
        source=profile.source,
    )


def percent_of_capacity(total: Decimal, band: BandResult | None) -> Decimal | None:
    """Total as a percentage of the (pro-rated) capacity, to one decimal place, half up."""
    if band is None or not band.capacity:
        return None
    return (total * _HUNDRED / band.capacity).quantize(_TENTH, rounding=ROUND_HALF_UP)
