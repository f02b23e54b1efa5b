"""Dates of demand histories: parsing cells, and daily, weekly or monthly periods.

A history is a sequence of periods of one frequency:

- ``daily``: a row covers its date;
- ``weekly``: a row covers the 7 days that start on its date (all dates fall
  on the same weekday);
- ``monthly``: a row covers the calendar month its date falls in (any day of
  the month may label it: the 1st, the last, ...).

Dates are ISO 8601 (``2024-01-31``, also with ``/``; a time of day is
allowed only at midnight, as spreadsheets export dates), ``2024-01`` (a month)
or ``2024-W05`` (the ISO week that starts on that Monday), or follow a
``strptime`` format given by the user.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

#: Frequencies a history may have, with the days one period covers at most.
FREQUENCIES = ("daily", "weekly", "monthly")

_ISO = re.compile(
    r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?Z?)?$"
)
_MONTH = re.compile(r"^(\d{4})[-/](\d{1,2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$")
_FORMATS = "YYYY-MM-DD (or YYYY-MM for a month, YYYY-Www for an ISO week)"


def parse_date(text: str, date_format: str | None = None) -> dt.date:
    """The day a date cell names; ``ValueError`` (without a line) when it names none.

    Examples
    --------
    >>> parse_date("2024-03-05"), parse_date("2024/3/5 00:00:00"), parse_date("2024-03")
    (datetime.date(2024, 3, 5), datetime.date(2024, 3, 5), datetime.date(2024, 3, 1))
    >>> parse_date("2024-W10"), parse_date("05.03.2024", "%d.%m.%Y")
    (datetime.date(2024, 3, 4), datetime.date(2024, 3, 5))
    >>> parse_date("2024-03-05 14:30")
    Traceback (most recent call last):
    ...
    ValueError: '2024-03-05 14:30' has a time of day (14:30); give one row per day, week or month
    """
    if date_format is not None:
        try:
            return dt.datetime.strptime(text, date_format).date()
        except ValueError:
            raise ValueError(f"{text!r} does not match the date format {date_format!r}") from None
    try:
        if m := _ISO.match(text):
            y, mo, d, hh, mm, ss, frac = m.groups()
            if hh is not None and (int(hh), int(mm), int(ss or 0), int(frac or 0)) != (0, 0, 0, 0):
                raise ValueError(
                    f"{text!r} has a time of day ({hh}:{mm}); give one row per day, week or month"
                )
            return dt.date(int(y), int(mo), int(d))
        if m := _MONTH.match(text):
            return dt.date(int(m[1]), int(m[2]), 1)
        if m := _WEEK.match(text):
            return dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
    except ValueError as err:
        if "time of day" in str(err):
            raise
        raise ValueError(f"{text!r} is not a valid date ({err})") from None
    raise ValueError(f"{text!r} is not a date such as 2024-01-31; expected {_FORMATS}")


def infer_frequency(dates, lines=None) -> str:
    """``daily``, ``weekly`` or ``monthly`` from the smallest step between distinct dates.

    ``lines`` (the file line of each date) lets the error name the two lines
    whose dates are closest.

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2024, 1, 1) + dt.timedelta(days=7 * i) for i in range(3)]
    >>> infer_frequency(d), infer_frequency([dt.date(2024, 1, 31), dt.date(2024, 2, 29)])
    ('weekly', 'monthly')
    """
    line_of = dict(zip(dates, lines, strict=True)) if lines is not None else {}
    unique = sorted(set(dates))
    if len(unique) < 2:
        raise ValueError(
            f"the history needs at least two distinct dates to tell its frequency, got "
            f"{len(unique)}; give the frequency"
        )
    step, a, b = min(((b - a).days, a, b) for a, b in zip(unique, unique[1:], strict=False))
    if step == 1:
        return "daily"
    if step == 7:
        return "weekly"
    if 28 <= step <= 31:
        return "monthly"
    where = f"lines {line_of[a]} and {line_of[b]}: " if line_of else ""
    raise ValueError(
        f"{where}dates {a} and {b} are {step} days apart, the closest in the file; a history "
        "must be daily (1 day apart), weekly (7 days) or monthly (one calendar month), or give "
        "the frequency"
    )


def period_index(day: dt.date, frequency: str, first: dt.date) -> int:
    """Index of the period that ``day`` labels, counted from the period of ``first``.

    Weekly periods must start on ``first``'s weekday (checked by the caller).

    Examples
    --------
    >>> import datetime as dt
    >>> period_index(dt.date(2024, 3, 31), "monthly", dt.date(2023, 12, 1))
    3
    """
    if frequency == "daily":
        return (day - first).days
    if frequency == "weekly":
        return (day - first).days // 7
    return (day.year * 12 + day.month) - (first.year * 12 + first.month)


def period_start(index: int, frequency: str, first: dt.date) -> dt.date:
    """First day of period ``index`` (counted from the period of ``first``).

    Examples
    --------
    >>> import datetime as dt
    >>> period_start(2, "monthly", dt.date(2023, 12, 15))
    datetime.date(2024, 2, 1)
    """
    if frequency == "daily":
        return first + dt.timedelta(days=index)
    if frequency == "weekly":
        return first + dt.timedelta(days=7 * index)
    months = first.year * 12 + first.month - 1 + index
    return dt.date(months // 12, months % 12 + 1, 1)


def period_days(start: dt.date, frequency: str) -> int:
    """Days in the period that starts on ``start``.

    Examples
    --------
    >>> import datetime as dt
    >>> period_days(dt.date(2024, 2, 1), "monthly"), period_days(dt.date(2024, 2, 1), "weekly")
    (29, 7)
    """
    if frequency == "daily":
        return 1
    if frequency == "weekly":
        return 7
    return calendar.monthrange(start.year, start.month)[1]
