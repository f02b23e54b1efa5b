"""Validation helpers whose errors name the field and the allowed range."""

from __future__ import annotations

import math
import numbers


def check_number(
    field: str,
    value,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
    allow_inf: bool = False,
):
    """Return ``value`` if it is a number within bounds, else raise ``ValueError``.

    Examples
    --------
    >>> check_number("holding_cost", 2.0, low=0)
    2.0
    >>> check_number("holding_cost", -1, low=0)
    Traceback (most recent call last):
    ...
    ValueError: holding_cost must be a number >= 0, got -1
    """
    kind = "an integer" if integer else "a number"
    rng = _describe(low, high, low_open, high_open)
    expected = f"{field} must be {kind}{rng}"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{expected}, got {value!r}")
    if integer and not isinstance(value, numbers.Integral):
        if not (isinstance(value, float) and value.is_integer()):
            raise ValueError(f"{expected}, got {value!r}")
        value = int(value)
    if math.isnan(value):
        raise ValueError(f"{expected}, got NaN")
    if math.isinf(value) and not allow_inf:
        raise ValueError(f"{expected} and finite, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{expected}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{expected}, got {value!r}")
    return int(value) if integer else value


def check_choice(field: str, value, allowed):
    """Return ``value`` if it is one of ``allowed``, else raise ``ValueError``."""
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{field} must be one of {options}, got {value!r}")
    return value


def _describe(low, high, low_open, high_open) -> str:
    if low is not None and high is not None:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        return f" in {left}{low}, {high}{right}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""
