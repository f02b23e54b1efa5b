"""``load_history``: many products' demand from one CSV file, checked line by line.

Two layouts are read:

- **long**: one row per product and period, e.g. ``date,product_name,demand``;
- **wide**: one row per period and one column per product, e.g.
  ``date,apples,pears``.

A file is long when it has a product column (named by ``product_column``, or
a column called product, product_name, product_id, sku, item or article);
otherwise every column but the date column holds a product. The date column
is ``date_column``, else the column called date, day, week, month or period,
else the first one; the demand column of a long file is ``value_column``,
else the one called demand, quantity, qty, units, sales or value, else the
only column left. Names match without regard to case or surrounding spaces.
Other columns of a long file are ignored.

The encoding is UTF-8, with or without the byte-order mark that spreadsheets
write (UTF-16 with its mark is read too). The delimiter is the one of ``,``
``;`` and tab that the header line uses most; with ``;`` a decimal comma is
read (``12,5``). Blank lines are skipped.

Every error names the file's line (1-based, as a spreadsheet numbers rows;
the header is line 1): unparsable dates, values that are not numbers, NaN,
infinite or negative values, two rows for one product and period, a missing
period inside a product's history (a gap: a missing row or an empty cell),
and a product whose rows stop before the file's last period. With
``missing="zero"`` gaps and missing trailing periods are read as zero demand
instead (exports often leave out days without sales). A product may start
later than the file (a launch): periods before its first value are not part
of its history.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from collections.abc import Sequence
from pathlib import Path

from fasttwin.demand.periods import (
    FREQUENCIES,
    infer_frequency,
    parse_date,
    period_days,
    period_index,
    period_start,
)
from fasttwin.model.checks import check_choice

#: How gaps are treated: refused with their line, or read as zero demand.
MISSING = ("error", "zero")
DATE_NAMES = ("date", "day", "week", "month", "period")
PRODUCT_NAMES = ("product", "product_name", "product_id", "sku", "item", "article")
VALUE_NAMES = ("demand", "quantity", "qty", "units", "sales", "value")
_DELIMITERS = (",", ";", "\t")


def load_history(
    path,
    *,
    product_column: str | None = None,
    date_column: str | None = None,
    value_column: str | None = None,
    frequency: str | None = None,
    date_format: str | None = None,
    missing: str = "error",
):
    """Read a demand history (one or many products) into an xarray Dataset.

    Parameters
    ----------
    path
        CSV file with a header row (module docstring: layouts, names, encoding).
    product_column, date_column, value_column
        Column names, when the defaults do not find them.
    frequency
        ``"daily"``, ``"weekly"`` or ``"monthly"``; default: inferred from the
        smallest step between dates. A weekly row covers the 7 days from its
        date; a monthly row covers the calendar month of its date.
    date_format
        A ``strptime`` format (e.g. ``"%d/%m/%Y"``) for dates that are not ISO.
    missing
        ``"error"`` (default): refuse gaps; ``"zero"``: read them as 0.

    Returns
    -------
    xarray.Dataset
        ``demand`` with dims ``(product, date)``: each period's demand, NaN
        before a product's first period. Coordinates ``product`` (in order of
        first appearance), ``date`` (first day of each period) and ``days``
        (days in each period). Attributes: ``frequency``, ``layout``,
        ``source``, ``filled`` (periods read as zero).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = "date,product_name,demand\\n2024-01-01,A,3\\n2024-01-01,B,0\\n"
    >>> text += "2024-01-02,A,5\\n2024-01-02,B,2\\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "sales.csv"
    ...     _ = p.write_text(text)
    ...     ds = load_history(p)
    >>> ds["demand"].sel(product="A").values.tolist(), ds.attrs["frequency"]
    ([3.0, 5.0], 'daily')
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "sales.csv"
    ...     _ = p.write_text(text.replace("2024-01-02,B,2", "2024-01-02,B,-2"))
    ...     load_history(p)
    Traceback (most recent call last):
    ...
    ValueError: history file 'sales.csv', line 5: column 'demand' must be a number >= 0, got '-2'
    """
    path = Path(path)
    where = f"history file {path.name!r}"
    if frequency is not None:
        check_choice("frequency", frequency, FREQUENCIES)
    check_choice("missing", missing, MISSING)
    if not path.is_file():
        raise ValueError(f"{where} does not exist ({str(path)!r})")
    text = _decode(path.read_bytes(), where)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(_DELIMITERS, key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = None
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [cell.strip() for cell in row]
            header_line = reader.line_num
            break
    if header is None:
        raise ValueError(f"{where} is empty; it needs a header row and one row per period")
    layout = _Layout(header, header_line, where, product_column, date_column, value_column)
    rows = _Rows(where, layout, date_format, decimal_comma=delimiter == ";")
    for row in reader:
        if any(cell.strip() for cell in row):
            rows.add(row, reader.line_num)
    if not rows.count:
        raise ValueError(f"{where} has a header but no rows of demand")
    return rows.dataset(frequency, missing, str(path))


def _decode(data: bytes, where: str) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ValueError(
            f"{where}, line {line}: the text is not UTF-8 (byte {data[err.start]:#04x}); save "
            "the file as 'CSV UTF-8'"
        ) from None


def _find(header: Sequence[str], name: str | None, defaults: Sequence[str], what: str, where):
    """Index of the column ``name`` (or of the first default name present), or None."""
    folded = [h.casefold() for h in header]
    if name is not None:
        if name.strip().casefold() not in folded:
            raise ValueError(f"{where} has no column {name!r} ({what}); its columns are {header}")
        return folded.index(name.strip().casefold())
    for candidate in defaults:
        if candidate in folded:
            return folded.index(candidate)
    return None


class _Layout:
    """Which column holds what: long (a product column) or wide (a column per product)."""

    def __init__(self, header, line, where, product_column, date_column, value_column):
        self.header = header
        folded = [h.casefold() for h in header]
        for i, h in enumerate(header):
            if not h:
                raise ValueError(f"{where}, line {line}: column {i + 1} of the header has no name")
            if folded.count(h.casefold()) > 1:
                raise ValueError(
                    f"{where}, line {line}: the header names column {h!r} twice (names match "
                    "without regard to case)"
                )
        if len(header) < 2:
            raise ValueError(
                f"{where}, line {line}: the header has one column ({header}); a history needs "
                "a date column and demand"
            )
        date = _find(header, date_column, DATE_NAMES, "date_column", where)
        self.date = 0 if date is None else date
        self.product = _find(header, product_column, PRODUCT_NAMES, "product_column", where)
        if self.product == self.date:
            raise ValueError(
                f"{where}: the product and date columns must differ, both are {header[self.date]!r}"
            )
        if self.product is None:
            if value_column is not None:
                raise ValueError(
                    f"{where} has no product column, so it is read as wide (one column per "
                    "product) and value_column does not apply; name the product column with "
                    f"product_column (columns: {header})"
                )
            self.layout = "wide"
            self.values = [i for i in range(len(header)) if i != self.date]
            return
        self.layout = "long"
        value = _find(header, value_column, VALUE_NAMES, "value_column", where)
        if value is None:
            others = [i for i in range(len(header)) if i not in (self.date, self.product)]
            if len(others) != 1:
                raise ValueError(
                    f"{where} has columns {header}: name the demand column with value_column"
                )
            value = others[0]
        if value in (self.date, self.product):
            raise ValueError(
                f"{where}: value_column {header[value]!r} is the date or product column"
            )
        self.values = [value]


class _Rows:
    """Rows read so far: ``entries[product] = [(day, value or None, line), ...]``."""

    def __init__(self, where, layout: _Layout, date_format, decimal_comma: bool):
        self.where = where
        self.layout = layout
        self.date_format = date_format
        self.decimal_comma = decimal_comma
        self.entries: dict[str, list] = {}
        self.count = 0
        if layout.layout == "wide":
            for i in layout.values:
                self.entries[layout.header[i]] = []

    def add(self, row: list[str], line: int) -> None:
        self.count += 1
        header = self.layout.header
        if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
            raise ValueError(
                f"{self.where}, line {line}: {len(row)} cells but the header has {len(header)} "
                "columns"
            )
        cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
        text = cells[self.layout.date]
        date_name = header[self.layout.date]
        if not text:
            raise ValueError(f"{self.where}, line {line}: column {date_name!r} is empty")
        try:
            day = parse_date(text, self.date_format)
        except ValueError as err:
            raise ValueError(f"{self.where}, line {line}: column {date_name!r}: {err}") from None
        if self.layout.layout == "long":
            product = cells[self.layout.product]
            if not product:
                raise ValueError(
                    f"{self.where}, line {line}: column {header[self.layout.product]!r} is "
                    "empty; every row needs its product"
                )
            column = self.layout.values[0]
            self.entries.setdefault(product, []).append(
                (day, self._number(cells[column], header[column], line), line)
            )
            return
        for column in self.layout.values:
            self.entries[header[column]].append(
                (day, self._number(cells[column], header[column], line), line)
            )

    def _number(self, cell: str, column: str, line: int) -> float | None:
        if not cell:
            return None
        text = cell.replace(",", ".") if self.decimal_comma else cell
        try:
            value = float(text)
        except ValueError:
            raise ValueError(
                f"{self.where}, line {line}: column {column!r} must be a number, got {cell!r}"
            ) from None
        if math.isnan(value) or math.isinf(value) or value < 0:
            raise ValueError(
                f"{self.where}, line {line}: column {column!r} must be a number >= 0, got {cell!r}"
            )
        return value

    def dataset(self, frequency: str | None, missing: str, source: str):
        import numpy as np
        import xarray as xr

        days = [day for entries in self.entries.values() for day, _, _ in entries]
        lines = [line for entries in self.entries.values() for _, _, line in entries]
        try:
            frequency = frequency or infer_frequency(days, lines)
        except ValueError as err:
            raise ValueError(f"{self.where}, {err}") from None
        first = min(days)
        if frequency == "monthly":
            first = first.replace(day=1)
        series = {p: self._series(p, e, frequency, first) for p, e in self.entries.items()}
        last = max(max(s) for s in series.values() if s)
        products = list(series)
        for p, s in series.items():
            if all(v is None for v, _ in s.values()):
                raise ValueError(f"{self.where}: product {p!r} has no values, only empty cells")
        demand = np.full((len(products), last + 1), np.nan)
        filled = 0
        for k, p in enumerate(products):
            values, n_filled = self._fill(p, series[p], last, frequency, first, missing)
            demand[k, last + 1 - len(values) :] = values
            filled += n_filled
        starts = [period_start(i, frequency, first) for i in range(last + 1)]
        return xr.Dataset(
            {
                "demand": (
                    ("product", "date"),
                    demand,
                    {"long_name": "demand in the period", "units": "units"},
                )
            },
            coords={
                "product": np.array(products, dtype=object),
                "date": np.array(starts, dtype="datetime64[ns]"),
                "days": ("date", np.array([period_days(d, frequency) for d in starts])),
            },
            attrs={
                "frequency": frequency,
                "layout": self.layout.layout,
                "source": source,
                "filled": filled,
            },
        )

    def _series(self, product, entries, frequency, first) -> dict[int, tuple]:
        """``{period index: (value, line)}`` of one product, refusing duplicates."""
        out: dict[int, tuple] = {}
        for day, value, line in entries:
            if frequency == "weekly" and (day - first).days % 7:
                raise ValueError(
                    f"{self.where}, line {line}: {day} is a {day:%A}, but the weekly dates "
                    f"start on {first:%A}s (a row covers the 7 days from its date)"
                )
            i = period_index(day, frequency, first)
            if i in out:
                raise ValueError(
                    f"{self.where}, line {line}: product {product!r} has two rows for the "
                    f"{_period_name(frequency)} of {period_start(i, frequency, first)} (lines "
                    f"{out[i][1]} and {line})"
                )
            out[i] = (value, line)
        return out

    def _fill(self, product, series, last, frequency, first, missing) -> tuple[list, int]:
        """Values from the product's first value to the file's last period, gaps checked."""
        present = sorted(i for i, (v, _) in series.items() if v is not None)
        values, filled = [], 0
        for i in range(present[0], last + 1):
            value, line = series.get(i, (None, None))
            if value is None:
                if missing == "error":
                    raise ValueError(self._gap(product, series, i, last, frequency, first))
                value, filled = 0.0, filled + 1
            values.append(value)
        return values, filled

    def _gap(self, product, series, i, last, frequency, first) -> str:
        start = period_start(i, frequency, first)
        name = _period_name(frequency)
        hint = "or read missing periods as zero demand (missing='zero')"
        if i in series:
            return (
                f"{self.where}, line {series[i][1]}: product {product!r} has no value for "
                f"the {name} of {start} (an empty cell, a gap); give 0 for no demand, {hint}"
            )
        before = max(j for j in series if j < i)
        after = [j for j in series if j > i]
        if not after:
            return (
                f"{self.where}: product {product!r} stops at line {series[before][1]} "
                f"({period_start(before, frequency, first)}) but the file runs to "
                f"{period_start(last, frequency, first)}; give its rows to the end (0 for no "
                f"demand), {hint}"
            )
        return (
            f"{self.where}, line {series[min(after)][1]}: product {product!r} has no row for "
            f"the {name} of {start} (a gap after line {series[before][1]}); give 0 for no "
            f"demand, {hint}"
        )


def _period_name(frequency: str) -> str:
    return {"daily": "day", "weekly": "week", "monthly": "month"}[frequency]
