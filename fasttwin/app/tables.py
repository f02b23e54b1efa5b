"""Numbers for readers: means with their intervals in one cell, ratios as percentages.

The pages show these display tables; their CSV downloads keep the numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection

STATS = ("mean", "ci_low", "ci_high")


def number(x: float) -> str:
    """Four significant digits, thousands separated, trailing zeros kept.

    Examples
    --------
    >>> number(58.0), number(0.2808), number(4692.31), number(123456.7), number(float("nan"))
    ('58.00', '0.2808', '4,692', '123,457', 'n/a')
    """
    if not math.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    decimals = max(0, 3 - math.floor(math.log10(abs(x))))
    return f"{x:,.{decimals}f}"


def percent(x: float) -> str:
    """``0.98765`` -> ``'98.77 %'``."""
    return f"{100 * x:.2f} %" if math.isfinite(x) else "n/a"


def interval(mean: float, low: float, high: float, ratio: bool) -> str:
    """``'58.06 (57.99 – 58.13)'``: a mean and its 95 % interval.

    Examples
    --------
    >>> interval(0.91, 0.905, 0.915, ratio=True)
    '91.00 % (90.50 – 91.50 %)'
    """
    f = percent if ratio else number
    if not (math.isfinite(low) and math.isfinite(high)):
        return f(mean)
    if ratio:
        return f"{f(mean)} ({100 * low:.2f} – {f(high)})"
    return f"{f(mean)} ({f(low)} – {f(high)})"


def merged(table, is_ratio: Callable[[str], bool]):
    """Each ``v_mean``, ``v_ci_low``, ``v_ci_high`` column triple as one column ``v``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"s": [1], "cost_mean": [2.0], "cost_ci_low": [1.5],
    ...                   "cost_ci_high": [2.5]})
    >>> merged(t, lambda v: False).to_dict("records")
    [{'s': 1, 'cost': '2.000 (1.500 – 2.500)'}]
    """
    import pandas as pd

    bases = [
        c.removesuffix("_mean")
        for c in table.columns
        if c.endswith("_mean") and all(f"{c.removesuffix('_mean')}_{s}" in table for s in STATS)
    ]
    bounds = {f"{b}_{s}" for b in bases for s in STATS[1:]}
    out = {}
    for col in table.columns:
        base = col.removesuffix("_mean")
        if base in bases and col == f"{base}_mean":
            ratio = is_ratio(base)
            out[base] = [
                interval(m, lo, hi, ratio)
                for m, lo, hi in zip(
                    table[col], table[f"{base}_ci_low"], table[f"{base}_ci_high"], strict=True
                )
            ]
        elif col not in bounds:
            out[col] = table[col]
    return pd.DataFrame(out)


def merged_rows(table, ratios: Collection[str], key: str = "variable"):
    """A long summary (``mean``, ``ci_low``, ``ci_high`` per row) with one interval column.

    Rows whose ``key`` is in ``ratios`` read as percentages.
    """
    out = table.drop(columns=list(STATS)).copy()
    out["mean (95 % CI)"] = [
        interval(r["mean"], r["ci_low"], r["ci_high"], r[key] in ratios)
        for _, r in table.iterrows()
    ]
    return out
