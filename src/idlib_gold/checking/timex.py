"""Validity of DATE/TIME normalizations (ISO 8601 with the TIMEX3 extensions we use)."""

from __future__ import annotations

import datetime as _dt
import re

__all__ = ["is_valid_timex"]

_YEAR = r"(?:\d{4}|\d{3}X|\d{2}XX|XXXX)"
_DATE = re.compile(rf"^{_YEAR}(?:-(?:\d{{2}}|XX)(?:-(?:\d{{2}}|XX))?)?$")
_WEEK = re.compile(rf"^{_YEAR}-W(?:\d{{2}}|XX)(?:-[1-7])?(?:-WE)?$")
_PART = re.compile(rf"^{_YEAR}-(?:Q[1-4]|H[12]|SP|SU|FA|WI)$")
_TIME = re.compile(r"T(?:\d{2}(?::\d{2}(?::\d{2})?)?|MO|AF|EV|NI|DT)$")
_DURATION = re.compile(r"^P(?:(?:\d+(?:\.\d+)?|X)[YMWD])*(?:T(?:(?:\d+(?:\.\d+)?|X)[HMS])+)?$")
_REFS = {"PRESENT_REF", "PAST_REF", "FUTURE_REF"}


def is_valid_timex(value: str) -> bool:
    """True for values like 2020-02-02, 2019-12, 2020-W06, XXXX-WXX-1, P9Y, PT3H, PXM, 2020-02-02TEV."""
    if value in _REFS:
        return True
    if value.startswith("P"):
        return value != "P" and value != "PT" and bool(_DURATION.match(value))
    date, _, time = value.partition("T")
    if time and not _TIME.match("T" + time):
        return False
    if _WEEK.match(date) or _PART.match(date):
        return True
    if not _DATE.match(date):
        return False
    parts = date.split("-")
    if all("X" not in p for p in parts):
        try:
            if len(parts) == 3:
                _dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            elif len(parts) == 2 and not 1 <= int(parts[1]) <= 12:
                return False
        except ValueError:
            return False
    return True
