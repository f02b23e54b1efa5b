"""Demand and lead-time distributions.

Demand distributions carry the daily mean path of DESIGN.md section 3::

    mean_t = mean x multiplier x (1 + amplitude sin(2 pi (t + phase) / period))
             x (1 + trend t) x events_t

clipped at 0. How the spread follows the mean path is a property of each
family and is stated in its docstring. Demand draws are whole units.

Lead times of periodic-review models are whole days; continuous-review models
read lead times as real numbers of days: :class:`Uniform`, :class:`Exponential`,
:class:`Gamma` (not rounded) and :class:`Normal` truncated at 0 (not rounded).
A :class:`Normal` lead time is truncated at 0 in both: periodic review rounds
the truncated normal to whole days (see :mod:`fasttwin.model.lead_times`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np

from fasttwin.model.checks import check_number


@dataclass(frozen=True)
class Event:
    """Multiply the mean by ``factor`` on days ``start..end`` (both included).

    Examples
    --------
    >>> Event(start=30, end=32, factor=2.5)
    Event(start=30, end=32, factor=2.5)
    """

    start: int
    end: int
    factor: float

    def __post_init__(self):
        object.__setattr__(
            self, "start", check_number("event.start", self.start, low=0, integer=True)
        )
        object.__setattr__(
            self, "end", check_number("event.end", self.end, low=self.start, integer=True)
        )
        check_number("event.factor", self.factor, low=0)


@dataclass(frozen=True, kw_only=True)
class Distribution:
    """Base of all distributions; the keyword fields shape a demand's mean path.

    As a lead time, a distribution must keep these fields at their defaults.
    """

    multiplier: float = 1.0
    amplitude: float = 0.0
    period: float = 365.0
    phase: float = 0.0
    trend: float = 0.0
    events: tuple[Event, ...] = field(default_factory=tuple)

    #: Name used in TOML (``dist = "poisson"``).
    kind = ""
    #: Whether the family follows a mean path (seasonality, events, ...).
    seasonal = True
    #: Whether draws are whole numbers (or rounded to them) and so may be demand.
    whole_units = True

    def __post_init__(self):
        name = type(self).__name__
        check_number(f"{name}.multiplier", self.multiplier, low=0)
        check_number(f"{name}.amplitude", self.amplitude, low=0, high=1)
        check_number(f"{name}.period", self.period, low=0, low_open=True)
        check_number(f"{name}.phase", self.phase)
        check_number(f"{name}.trend", self.trend)
        events = tuple(e if isinstance(e, Event) else Event(**e) for e in self.events)
        object.__setattr__(self, "events", events)
        if not self.seasonal and not self.is_stationary_default():
            raise ValueError(
                f"{name} has no mean path: multiplier, amplitude, phase, trend and events "
                "must keep their defaults"
            )

    def is_stationary_default(self) -> bool:
        """True when every mean-path field has its default value."""
        return (
            self.multiplier == 1.0
            and self.amplitude == 0.0
            and self.phase == 0.0
            and self.trend == 0.0
            and not self.events
        )

    @property
    def base_mean(self) -> float:
        raise NotImplementedError

    def mean_path(self, periods: int) -> np.ndarray:
        """Daily mean of days ``0..periods-1``.

        Examples
        --------
        >>> Poisson(10.0, multiplier=2.0, events=[Event(1, 1, 3.0)]).mean_path(3)
        array([20., 60., 20.])
        """
        return self._scaled_path(periods, self.base_mean * self.multiplier)

    def path_factor(self, periods: int) -> np.ndarray:
        """The mean path relative to the base mean: ``multiplier x seasonality x trend x events``.

        Examples
        --------
        >>> Poisson(10.0, events=[Event(1, 1, 3.0)]).path_factor(3)
        array([1., 3., 1.])
        """
        return self._scaled_path(periods, float(self.multiplier))

    def _scaled_path(self, periods: int, first: float) -> np.ndarray:
        t = np.arange(periods, dtype=np.float64)
        path = np.full(periods, first)
        if self.amplitude:
            path *= 1.0 + self.amplitude * np.sin(2.0 * math.pi * (t + self.phase) / self.period)
        if self.trend:
            path *= 1.0 + self.trend * t
        for e in self.events:
            path[e.start : e.end + 1] *= e.factor
        return np.maximum(path, 0.0)

    def to_dict(self) -> dict:
        """Plain dict for TOML: ``dist`` plus the fields that differ from defaults."""
        out = {"dist": self.kind}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "events":
                if value:
                    out["events"] = [asdict(e) for e in value]
                continue
            if f.default is not value and f.default != value:
                out[f.name] = list(value) if isinstance(value, tuple) else value
        return out


@dataclass(frozen=True)
class Poisson(Distribution):
    """Poisson with the given mean (per day as demand; in days as a lead time).

    Examples
    --------
    >>> Poisson(mean=20.0).base_mean
    20.0
    """

    mean: float
    kind = "poisson"

    def __post_init__(self):
        check_number("Poisson.mean", self.mean, low=0)
        super().__post_init__()

    @property
    def base_mean(self) -> float:
        return float(self.mean)


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal; as demand clipped at 0 and rounded to whole units: ``round(max(0, x))``.

    As demand the standard deviation stays ``std`` along the mean path (the
    noise of the original twin is not scaled by the multiplier). As a lead
    time it is instead a normal *truncated* at 0 (conditioned on ``x >= 0``:
    negative draws are redrawn), so its mean is above ``mean``; continuous
    review uses it as a real number of days, periodic review rounds it to the
    nearest whole day. ``Normal(1.5, 1.5)`` has mean 1.93 days either way.

    Examples
    --------
    >>> Normal(mean=50.0, std=10.0).std
    10.0
    """

    mean: float
    std: float
    kind = "normal"

    def __post_init__(self):
        check_number("Normal.mean", self.mean)
        check_number("Normal.std", self.std, low=0)
        super().__post_init__()

    @property
    def base_mean(self) -> float:
        return float(self.mean)


@dataclass(frozen=True)
class Gamma(Distribution):
    """Gamma with the given mean and standard deviation, rounded to whole units.

    Along a mean path the shape is kept, so the coefficient of variation is
    constant. As the lead time of a continuous-review model it is not rounded.

    Examples
    --------
    >>> Gamma(mean=20.0, std=10.0).shape
    4.0
    """

    mean: float
    std: float
    kind = "gamma"

    def __post_init__(self):
        check_number("Gamma.mean", self.mean, low=0, low_open=True)
        check_number("Gamma.std", self.std, low=0, low_open=True)
        super().__post_init__()

    @property
    def shape(self) -> float:
        return (self.mean / self.std) ** 2

    @property
    def base_mean(self) -> float:
        return float(self.mean)


@dataclass(frozen=True)
class NegativeBinomial(Distribution):
    """Negative binomial with the given mean and standard deviation (``std**2 > mean``).

    Along a mean path the dispersion ``size = mean**2 / (std**2 - mean)`` is
    kept, so the variance is ``mean_t + mean_t**2 / size``.

    Examples
    --------
    >>> NegativeBinomial(mean=10.0, std=5.0).size
    6.666666666666667
    """

    mean: float
    std: float
    kind = "negative_binomial"

    def __post_init__(self):
        check_number("NegativeBinomial.mean", self.mean, low=0, low_open=True)
        check_number("NegativeBinomial.std", self.std, low=math.sqrt(self.mean), low_open=True)
        super().__post_init__()

    @property
    def size(self) -> float:
        return self.mean**2 / (self.std**2 - self.mean)

    @property
    def base_mean(self) -> float:
        return float(self.mean)


@dataclass(frozen=True)
class UniformInt(Distribution):
    """Uniform on the integers ``low..high`` (both included); no mean path.

    Examples
    --------
    >>> UniformInt(low=1, high=3).base_mean
    2.0
    """

    low: int
    high: int
    kind = "uniform_int"
    seasonal = False

    def __post_init__(self):
        object.__setattr__(
            self, "low", check_number("UniformInt.low", self.low, low=0, integer=True)
        )
        object.__setattr__(
            self,
            "high",
            check_number("UniformInt.high", self.high, low=self.low, integer=True),
        )
        super().__post_init__()

    @property
    def base_mean(self) -> float:
        return (self.low + self.high) / 2.0


@dataclass(frozen=True)
class Empirical(Distribution):
    """A distribution on whole numbers given by ``values`` and ``probs``; no mean path.

    ``probs`` defaults to equal weights and is normalised.

    Examples
    --------
    >>> Empirical(values=[1, 3], probs=[1, 3]).base_mean
    2.5
    """

    values: tuple[int, ...]
    probs: tuple[float, ...] | None = None
    kind = "empirical"
    seasonal = False

    def __post_init__(self):
        values = tuple(
            check_number(f"Empirical.values[{i}]", v, low=0, integer=True)
            for i, v in enumerate(self.values)
        )
        if not values:
            raise ValueError("Empirical.values must hold at least one value, got none")
        object.__setattr__(self, "values", values)
        if self.probs is not None:
            probs = tuple(
                float(check_number(f"Empirical.probs[{i}]", p, low=0))
                for i, p in enumerate(self.probs)
            )
            if len(probs) != len(values):
                raise ValueError(
                    f"Empirical.probs must have one entry per value ({len(values)}), "
                    f"got {len(probs)}"
                )
            if sum(probs) <= 0:
                raise ValueError("Empirical.probs must have a positive sum")
            object.__setattr__(self, "probs", probs)
        super().__post_init__()

    def pmf(self) -> np.ndarray:
        """Probabilities of ``0..max(values)``."""
        pmf = np.zeros(max(self.values) + 1)
        weights = self.probs if self.probs is not None else (1.0,) * len(self.values)
        for v, w in zip(self.values, weights, strict=True):
            pmf[v] += w
        return pmf / pmf.sum()

    @property
    def base_mean(self) -> float:
        pmf = self.pmf()
        return float(np.arange(pmf.size) @ pmf)


TRACE_MODES = ("replay", "bootstrap")


@dataclass(frozen=True)
class Trace(Distribution):
    """A user's daily demand history, replayed or bootstrapped by blocks.

    ``mode="replay"``: day ``t`` has the history's value ``values[t]``, in
    every replication (randomness then comes from lead times and the
    supplier only); a run may not be longer than the history.
    ``mode="bootstrap"``: a circular block bootstrap. Days are cut into
    blocks of ``block`` days; each block of each replication starts at a day
    of the history drawn uniformly and follows the history from there,
    wrapping round at its end. So on every day each value of the history is
    equally likely, and runs of ``block`` days keep the history's
    day-to-day pattern.

    The mean-path fields scale the history: demand on day ``t`` is
    ``round(max(0, value x path_factor[t]))``, so scenarios such as
    ``demand_surge`` or ``demand_spike`` apply to traces too.

    Examples
    --------
    >>> Trace([3, 5, 4]).base_mean
    4.0
    >>> Trace([3, -1])
    Traceback (most recent call last):
    ...
    ValueError: Trace.values[1] must be a number >= 0, got -1
    """

    values: tuple[float, ...]
    mode: str = "replay"
    block: int = 7
    kind = "trace"

    def __post_init__(self):
        if isinstance(self.values, str | bytes) or not hasattr(self.values, "__len__"):
            raise ValueError(f"Trace.values must be a sequence of numbers, got {self.values!r}")
        values = tuple(
            float(check_number(f"Trace.values[{i}]", v, low=0)) for i, v in enumerate(self.values)
        )
        if not values:
            raise ValueError("Trace.values must hold at least one day, got none")
        object.__setattr__(self, "values", values)
        if self.mode not in TRACE_MODES:
            raise ValueError(f"Trace.mode must be one of {TRACE_MODES}, got {self.mode!r}")
        object.__setattr__(
            self, "block", check_number("Trace.block", self.block, low=1, integer=True)
        )
        super().__post_init__()

    @classmethod
    def from_csv(
        cls,
        path,
        column: str | None = None,
        *,
        date_column: str | None = None,
        **fields,
    ) -> Trace:
        """Read a history from a CSV file with a header row.

        ``column`` names the demand column (it may be left out when the file
        has one column). With ``date_column`` (ISO dates), the dates must
        follow each other day by day. An empty cell, a missing day, a negative
        value or NaN is refused with the row it is on. Other keyword
        arguments (``mode``, ``block``, mean-path fields) go to :class:`Trace`.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as d:
        ...     p = pathlib.Path(d) / "sales.csv"
        ...     _ = p.write_text("day,units\\n2024-01-01,4\\n2024-01-02,6\\n")
        ...     Trace.from_csv(p, "units", date_column="day", mode="bootstrap").values
        (4.0, 6.0)
        """
        return cls(values=read_trace_csv(path, column, date_column), **fields)

    @property
    def base_mean(self) -> float:
        return float(np.mean(self.values))

    def check_periods(self, periods: int) -> None:
        """Refuse a replay longer than the history."""
        if self.mode == "replay" and periods > len(self.values):
            raise ValueError(
                f"Trace has {len(self.values)} days but the run has {periods} periods; "
                "use a shorter run or mode='bootstrap'"
            )

    def mean_path(self, periods: int) -> np.ndarray:
        """Expected demand (before rounding) of days ``0..periods-1``.

        Examples
        --------
        >>> Trace([2, 6], multiplier=2.0).mean_path(2)
        array([ 4., 12.])
        >>> Trace([2, 6], mode="bootstrap").mean_path(3)
        array([4., 4., 4.])
        """
        self.check_periods(periods)
        factor = self.path_factor(periods)
        if self.mode == "replay":
            return np.asarray(self.values[:periods]) * factor
        return self.base_mean * factor


def read_trace_csv(path, column: str | None, date_column: str | None) -> tuple[float, ...]:
    """The values of one CSV column, checked for gaps, negatives and NaN."""
    import csv
    import datetime as dt
    from pathlib import Path

    path = Path(path)
    where = f"trace file {str(path)!r}"
    if not path.is_file():
        raise ValueError(f"{where} does not exist")
    with path.open(newline="", encoding="utf-8-sig") as f:  # the BOM spreadsheets write
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"{where} is empty; it needs a header row and one row per day")
    header = [h.strip() for h in rows[0]]
    if column is None:
        if len(header) - (date_column is not None) != 1:
            raise ValueError(f"{where} has columns {header}: name the demand column (column=...)")
        column = next(h for h in header if h != date_column)
    for name in (column, date_column):
        if name is not None and name not in header:
            raise ValueError(f"{where} has no column {name!r}; its columns are {header}")
    col = header.index(column)
    while len(rows) > 1 and not any(cell.strip() for cell in rows[-1]):
        rows.pop()  # blank lines at the end of the file; any other blank line is a gap
    values = []
    previous = None
    for line, row in enumerate(rows[1:], start=2):
        cell = row[col].strip() if col < len(row) else ""
        if not cell:
            raise ValueError(
                f"{where}, line {line}: column {column!r} is empty (a gap); a trace needs a "
                "value for every day"
            )
        try:
            value = float(cell)
        except ValueError:
            raise ValueError(
                f"{where}, line {line}: column {column!r} must be a number, got {cell!r}"
            ) from None
        if math.isnan(value) or math.isinf(value) or value < 0:
            raise ValueError(
                f"{where}, line {line}: column {column!r} must be a finite number >= 0, "
                f"got {cell!r}"
            )
        if date_column is not None:
            text = row[header.index(date_column)].strip()
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise ValueError(
                    f"{where}, line {line}: column {date_column!r} must be an ISO date "
                    f"(YYYY-MM-DD), got {text!r}"
                ) from None
            if previous is not None and day != previous + dt.timedelta(days=1):
                raise ValueError(
                    f"{where}, line {line}: date {day} does not follow {previous}; a trace "
                    "needs one row per day, without gaps or repeats"
                )
            previous = day
        values.append(value)
    if not values:
        raise ValueError(f"{where} holds no days")
    return tuple(values)


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on the real interval ``[low, high]``: a lead time in days.

    Real-valued, so it is a lead time of continuous-review models only (never
    demand, which is counted in whole units).

    Examples
    --------
    >>> Uniform(low=1.0, high=3.0).base_mean
    2.0
    """

    low: float
    high: float
    kind = "uniform"
    seasonal = False
    whole_units = False

    def __post_init__(self):
        check_number("Uniform.low", self.low, low=0)
        check_number("Uniform.high", self.high, low=self.low)
        super().__post_init__()

    @property
    def base_mean(self) -> float:
        return (self.low + self.high) / 2.0


@dataclass(frozen=True)
class Exponential(Distribution):
    """Exponential with the given mean: a lead time in days.

    Real-valued, so it is a lead time of continuous-review models only.

    Examples
    --------
    >>> Exponential(mean=2.5).base_mean
    2.5
    """

    mean: float
    kind = "exponential"
    seasonal = False
    whole_units = False

    def __post_init__(self):
        check_number("Exponential.mean", self.mean, low=0, low_open=True)
        super().__post_init__()

    @property
    def base_mean(self) -> float:
        return float(self.mean)


DISTRIBUTIONS = {
    cls.kind: cls
    for cls in (
        Poisson,
        Normal,
        Gamma,
        NegativeBinomial,
        UniformInt,
        Empirical,
        Uniform,
        Exponential,
        Trace,
    )
}


def distribution_from_dict(data: dict, where: str, base=None) -> Distribution:
    """Build a distribution from its TOML table (``{"dist": "poisson", "mean": 5}``).

    A trace may give ``csv = "file.csv"`` (relative to ``base``, the TOML
    file's folder), ``column`` and ``date_column`` instead of ``values``.
    """
    data = dict(data)
    kind = data.pop("dist", None)
    if kind == "trace" and "csv" in data:
        from pathlib import Path

        csv_path = Path(data.pop("csv"))
        if base is not None and not csv_path.is_absolute():
            csv_path = Path(base) / csv_path
        if "values" in data:
            raise ValueError(f"{where}: give a trace's values or its csv file, not both")
        data["values"] = read_trace_csv(
            csv_path, data.pop("column", None), data.pop("date_column", None)
        )
    if kind not in DISTRIBUTIONS:
        allowed = ", ".join(sorted(DISTRIBUTIONS))
        raise ValueError(f"{where}.dist must be one of {allowed}, got {kind!r}")
    cls = DISTRIBUTIONS[kind]
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{where} has unknown field(s) {unknown}; {kind} takes {sorted(known)}")
    for key in ("values", "probs"):
        if isinstance(data.get(key), list):
            data[key] = tuple(data[key])
    return cls(**data)
