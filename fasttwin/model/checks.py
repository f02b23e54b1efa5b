"""Validation helpers whose errors name the field and the allowed range."""

from __future__ import annotations

import math
import numbers
import unicodedata


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
    most: float | None = None,
    signed: bool = False,
):
    """Return ``value`` if it is a number within bounds, else raise ``ValueError``.

    ``most`` is one of fasttwin's size limits (:mod:`fasttwin.model.limits`):
    ``value`` (its magnitude, when ``signed``) may not exceed it.

    Examples
    --------
    >>> check_number("holding_cost", 2.0, low=0)
    2.0
    >>> check_number("holding_cost", -1, low=0)
    Traceback (most recent call last):
    ...
    ValueError: holding_cost must be a number >= 0, got -1
    >>> check_number("order_up_to", 2**70, low=0, most=10**12, integer=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: order_up_to must be an integer >= 0, at most 1,000,000,000,000 (...), got 11805...
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
    if most is not None and (abs(value) if signed else value) > most:
        bound = f"between -{most:,} and {most:,}" if signed else f"at most {most:,}"
        raise ValueError(f"{expected}, {bound} (fasttwin's limit), got {value!r}")
    return int(value) if integer else value


#: Longest name of a node, location, scenario or sweep (names become Zarr array names).
MAX_NAME = 100


def check_name(field: str, value, forbid: str = ""):
    """Return ``value`` if it is a usable name: a non-blank string of printable characters.

    Names label cube coordinates and, in networks, grid dims (Zarr array
    names), so path separators are refused too.

    Examples
    --------
    >>> check_name("node name", "store_1")
    'store_1'
    >>> check_name("node name", "store\\n1")
    Traceback (most recent call last):
    ...
    ValueError: node name must be printable text without control characters, got 'store\\n1'
    """
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field} must be a non-empty string (not blank), got {value!r}")
    if any(unicodedata.category(c).startswith("C") for c in value):
        raise ValueError(
            f"{field} must be printable text without control characters, got {value!r}"
        )
    if value != value.strip():
        raise ValueError(f"{field} must not start or end with spaces, got {value!r}")
    bad = sorted({c for c in value if c in "/\\" + forbid})
    if bad:
        raise ValueError(f"{field} must not contain {' or '.join(map(repr, bad))}, got {value!r}")
    if len(value) > MAX_NAME:
        raise ValueError(f"{field} must have at most {MAX_NAME} characters, got {len(value)}")
    return value


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
