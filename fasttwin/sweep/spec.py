"""Sweep specs: what a sweep simulates, read from TOML and checked up front.

A spec names a model (a TOML file relative to the spec, or an inline
``[model]`` table), the grid axes, fixed policy values, scenarios,
replications, run length and seed, and execution hints. Every field is
checked when the :class:`Spec` is built, before a cluster starts or a store is
touched; errors name the field and what it allows.

The TOML form::

    name = "reorder_grid"
    model = "single_node.toml"          # relative to this file; or a [model] table
    reps = 1000
    periods = 730                       # periods, warmup, seed: default to the model's
    warmup = 100
    seed = 7
    scenarios = ["baseline", "demand_surge", "big_surge"]   # optional: a scenario dim

    [grid]                              # axes: a list, or {start, stop, step} (stop excluded)
    reorder_point = {start = 20, stop = 80, step = 4}
    order_up_to = [100, 120, 140]

    [fixed]                             # scalars: parameters held fixed
    review_period = 1

    [scenario.big_surge]                # user scenarios (Scenario.from_dict)
    base = "demand_surge"
    factor = 1.6

    [execution]
    points_per_task = 16                # default: sized by kernel time (about 2 s) and memory
    compression = "zstd"                # zstd (default, ~5x smaller), lz4 (~2x faster), none

In a network, keys name the node: ``"warehouse.reorder_point" = {...}``, or a
sub-table ``[grid.warehouse]``.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fasttwin.model.checks import check_choice, check_number
from fasttwin.model.limits import MAX_AXIS
from fasttwin.model.network import Model
from fasttwin.model.scenarios import Scenario, resolve_scenarios
from fasttwin.model.toml_io import model_from_dict, model_to_dict, tomllib

#: Top-level keys of a sweep spec.
TOP_KEYS = (
    "name",
    "model",
    "reps",
    "periods",
    "warmup",
    "seed",
    "scenarios",
    "grid",
    "fixed",
    "scenario",
    "execution",
)
EXECUTION_KEYS = ("points_per_task", "compression")
#: Chunk compression choices (see fasttwin.sweep.store.compressors).
COMPRESSIONS = ("zstd", "lz4", "none")
_RANGE_KEYS = {"start", "stop", "step"}
#: Node-replication-days per task when ``points_per_task`` is left out: about
#: 2 s of the serial single-node kernel (~230 M per second on one core), so
#: that scheduling and writes stay a small share of the wall time.
TASK_DAYS = 5e8
#: Tasks a sweep is cut into, when that keeps tasks above TASK_DAYS / 2 (about
#: 1 s): enough to keep the cores of a workstation busy to the end.
MIN_TASKS = 64
#: Cube bytes (float64 variables, uncompressed) a task holds at most when
#: ``points_per_task`` is left out: a worker holds one task's block, so its
#: memory stays about this plus its base however large the grid grows.
TASK_BYTES = 128 * 2**20
#: Fewest points per task when ``points_per_task`` is left out, unless
#: TASK_BYTES allows fewer: tasks of a few points spend their time on
#: scheduling and small chunk writes (20-point tasks wrote at 2 MB/s).
MIN_POINTS_PER_TASK = 32


@dataclass(frozen=True)
class Spec:
    """A validated sweep: a model, a policy grid, scenarios and a run.

    Build one from TOML with :func:`load_spec` or :meth:`Spec.from_toml`,
    from a plain mapping with :meth:`Spec.from_dict`, or directly.
    ``periods``, ``warmup`` and ``seed`` left as ``None`` take the model's
    values (else 365, 0, 0); ``points_per_task`` left as ``None`` is sized
    for about 2 s of kernel time per task and at most ``TASK_BYTES`` of cube
    (:func:`auto_points_per_task`). ``compression`` of the cube's
    chunks: ``"zstd"`` (level 1, about 5x smaller than raw), ``"lz4"`` (Blosc
    LZ4 with bit shuffle: about 2x faster to write, 2x smaller) or ``"none"``.

    Examples
    --------
    >>> import fasttwin as ft
    >>> model = ft.single_node(demand=ft.Poisson(mean=20.0), lead_time=2,
    ...                        backorder_cost=9.0, order_cost=64.0)
    >>> spec = Spec(model, grid={"reorder_point": range(20, 60, 10), "order_up_to": [100, 120]},
    ...             scenarios=["baseline", "demand_surge"], reps=200, periods=120, seed=7)
    >>> spec.dims, spec.shape, spec.scenario_names
    (('reorder_point', 'order_up_to'), (4, 2), ('baseline', 'demand_surge'))
    >>> Spec(model, grid={"reorder_point": [150], "order_up_to": [100]})
    Traceback (most recent call last):
    ...
    ValueError: no grid point is a valid policy: every cell has reorder_point >= order_up_to
    """

    model: Model
    grid: Mapping | tuple = ()
    fixed: Mapping | tuple = ()
    scenarios: tuple[Scenario, ...] | None = None
    reps: int = 1000
    periods: int | None = None
    warmup: int | None = None
    seed: int | None = None
    points_per_task: int | None = None
    name: str = "sweep"
    compression: str = "zstd"
    _policy_grid: object = field(init=False, repr=False, compare=False, default=None)
    _first_valid: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self):
        from fasttwin.engine.estimate import estimate
        from fasttwin.plan.grid import resolve_policy
        from fasttwin.plan.run import resolve_run

        if not isinstance(self.model, Model):
            raise ValueError(f"model must be a fasttwin Model, got {self.model!r}")
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        grid = _pairs("grid", self.grid)
        for key, values in grid:
            if isinstance(values, str | bytes) or not hasattr(values, "__iter__"):
                raise ValueError(
                    f"grid[{key!r}] must be a sequence of values (an axis), got {values!r}; "
                    "put a fixed value in fixed"
                )
        grid = tuple((k, tuple(v)) for k, v in grid)
        fixed = _pairs("fixed", self.fixed)
        for key, value in fixed:
            if isinstance(value, str | bytes) or hasattr(value, "__iter__"):
                raise ValueError(f"fixed[{key!r}] must be a single value, got {value!r}")
        both = sorted({k for k, _ in grid} & {k for k, _ in fixed})
        if both:
            raise ValueError(f"{both[0]!r} is both a grid axis and a fixed value; keep one")
        run = resolve_run(self.model, self.reps, self.periods, self.warmup, self.seed)
        policy_grid = resolve_policy(self.model, {**dict(grid), **dict(fixed)})
        # Values come back as checked ints, in the order given; keep the caller's keys.
        grid = tuple(
            (key, axis.values) for (key, _), axis in zip(grid, policy_grid.axes, strict=True)
        )
        fixed = tuple((key, f[2]) for (key, _), f in zip(fixed, policy_grid.fixed, strict=True))
        scenarios = resolve_scenarios(self.scenarios)
        if scenarios is not None:
            scenarios = tuple(scenarios)
            for sc in scenarios:
                sc.apply(self.model)
        ppt = self.points_per_task
        if ppt is None:
            ppt = auto_points_per_task(
                run.reps * run.periods * len(self.model.nodes),
                policy_grid.size * (1 if scenarios is None else len(scenarios)),
                estimate(self.model, 1, run.reps, run.periods).cube_bytes,
            )
        ppt = check_number("execution.points_per_task", ppt, low=1, integer=True)
        check_choice("execution.compression", self.compression, COMPRESSIONS)
        for key, value in (
            ("grid", grid),
            ("fixed", fixed),
            ("scenarios", scenarios),
            ("reps", run.reps),
            ("periods", run.periods),
            ("warmup", run.warmup),
            ("seed", run.seed),
            ("points_per_task", ppt),
            ("_policy_grid", policy_grid),
        ):
            object.__setattr__(self, key, value)
        object.__setattr__(self, "_first_valid", _first_valid_point(self.model, policy_grid))
        from fasttwin.plan.limits import check_sums

        models = [self.model] if scenarios is None else [sc.apply(self.model) for sc in scenarios]
        check_sums(models, policy_grid, run.periods)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping, base_dir: str | os.PathLike = ".") -> Spec:
        """A spec from its plain TOML form; ``model = "path"`` is relative to ``base_dir``.

        Examples
        --------
        >>> spec = Spec.from_dict({
        ...     "model": {"nodes": [{"name": "shop", "demand": {"dist": "poisson", "mean": 5.0},
        ...                          "order_up_to": 30}]},
        ...     "grid": {"shop": {"reorder_point": {"start": 0, "stop": 20, "step": 5}}},
        ...     "reps": 100, "periods": 50})
        >>> spec.dims, spec.grid
        (('reorder_point',), (('shop.reorder_point', (0, 5, 10, 15)),))
        >>> Spec.from_dict({"model": "missing.toml"})
        Traceback (most recent call last):
        ...
        ValueError: model file 'missing.toml' does not exist
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"a sweep spec must be a table of settings, got {data!r}")
        unknown = sorted(set(data) - set(TOP_KEYS))
        if unknown:
            raise ValueError(
                f"sweep spec has unknown key(s) {unknown}; allowed: {', '.join(TOP_KEYS)}"
            )
        if "model" not in data:
            raise ValueError(
                "sweep spec needs model: a model TOML path (relative to the spec) or a "
                "[model] table"
            )
        model = _model(data["model"], Path(base_dir))
        execution = data.get("execution", {})
        if not isinstance(execution, Mapping):
            raise ValueError(f"execution must be a table, got {execution!r}")
        unknown = sorted(set(execution) - set(EXECUTION_KEYS))
        if unknown:
            raise ValueError(
                f"execution has unknown key(s) {unknown}; allowed: {', '.join(EXECUTION_KEYS)}"
            )
        return cls(
            model,
            grid=_grid_table(data.get("grid", {})),
            fixed=_flat_table("fixed", data.get("fixed", {})),
            scenarios=_scenarios(data.get("scenarios"), data.get("scenario", {})),
            reps=data.get("reps", 1000),
            periods=data.get("periods"),
            warmup=data.get("warmup"),
            seed=data.get("seed"),
            points_per_task=execution.get("points_per_task"),
            compression=execution.get("compression", "zstd"),
            name=data.get("name", "sweep"),
        )

    @classmethod
    def from_toml(cls, text: str, base_dir: str | os.PathLike = ".") -> Spec:
        """A spec from TOML text (see the module docstring for the keys)."""
        return cls.from_dict(parse_toml(text, "sweep spec"), base_dir)

    # -- what the sweep covers ----------------------------------------------------------

    @property
    def policy_grid(self):
        """The resolved :class:`fasttwin.plan.grid.PolicyGrid`."""
        return self._policy_grid

    @property
    def dims(self) -> tuple[str, ...]:
        """The cube's grid dimensions, in order."""
        return self._policy_grid.dims

    @property
    def shape(self) -> tuple[int, ...]:
        return self._policy_grid.shape

    @property
    def points(self) -> int:
        """Number of grid cells (valid or not)."""
        return self._policy_grid.size

    @property
    def first_valid_point(self) -> int:
        """Flat (C-order) index of the first grid cell that is a policy."""
        return self._first_valid

    @property
    def scenario_names(self) -> tuple[str, ...] | None:
        return None if self.scenarios is None else tuple(s.name for s in self.scenarios)

    def policy(self) -> dict:
        """The policy mapping :func:`fasttwin.simulate` takes for the whole grid."""
        return {**{k: list(v) for k, v in self.grid}, **dict(self.fixed)}

    def run_kwargs(self) -> dict:
        """``scenario``, ``reps``, ``periods``, ``warmup`` and ``seed`` for simulate."""
        return {
            "scenario": None if self.scenarios is None else list(self.scenarios),
            "reps": self.reps,
            "periods": self.periods,
            "warmup": self.warmup,
            "seed": self.seed,
        }

    def simulate(self, parallel: bool = True):
        """The whole cube in memory, in this process (same values as a sweep).

        Examples
        --------
        >>> import fasttwin as ft
        >>> model = ft.single_node(demand=ft.Poisson(mean=5.0), lead_time=1)
        >>> spec = Spec(model, grid={"reorder_point": [5, 10]}, fixed={"order_up_to": 20},
        ...             reps=10, periods=30)
        >>> spec.simulate()["cost"].dims
        ('reorder_point', 'rep')
        """
        from fasttwin.engine.simulate import simulate

        return simulate(self.model, self.policy(), parallel=parallel, **self.run_kwargs())

    def to_dict(self) -> dict:
        """The sweep (without the model) as plain values, for provenance and resume checks."""
        out = {
            "name": self.name,
            "reps": self.reps,
            "periods": self.periods,
            "warmup": self.warmup,
            "seed": self.seed,
            "points_per_task": self.points_per_task,
            "compression": self.compression,
            "grid": {k: list(v) for k, v in self.grid},
            "fixed": dict(self.fixed),
        }
        if self.scenarios is not None:
            out["scenarios"] = [sc.to_dict() for sc in self.scenarios]
        return out

    def model_dict(self) -> dict:
        return model_to_dict(self.model)


def auto_points_per_task(days_per_point: int, cells: int, bytes_per_point: int = 0) -> int:
    """Points per task, sized by time and memory.

    About ``MIN_TASKS`` tasks, each within [TASK_DAYS / 2, TASK_DAYS] of work
    but of at least ``MIN_POINTS_PER_TASK`` points (or the whole grid), and
    never more than ``TASK_BYTES`` of cube (``bytes_per_point`` per point),
    which wins over both. ``cells`` counts grid points x scenarios;
    ``days_per_point`` is reps x periods x nodes. The result depends on the
    spec only, never on the cluster, so a store can be resumed on any number
    of workers.

    Examples
    --------
    >>> auto_points_per_task(1000 * 365, 10_000), auto_points_per_task(10 * 50, 100)
    (685, 500000)
    >>> days = 100_000 * 365  # 100,000 reps: 14 points would be TASK_DAYS
    >>> auto_points_per_task(days, 10_000), auto_points_per_task(days, 10_000, 100_000 * 16 * 8)
    (32, 10)
    """
    low = max(math.ceil(TASK_DAYS / 2 / days_per_point), MIN_POINTS_PER_TASK)
    high = max(math.ceil(TASK_DAYS / days_per_point), MIN_POINTS_PER_TASK)
    points = min(high, max(low, math.ceil(cells / MIN_TASKS)))
    if bytes_per_point > 0:
        points = min(points, TASK_BYTES // bytes_per_point)
    return max(1, points)


def load_spec(path: str | os.PathLike) -> Spec:
    """Read and validate a sweep spec TOML file; errors start with the file name.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "s.toml"
    ...     _ = p.write_text('reps = 10\\nmodel = "none.toml"\\n')
    ...     load_spec(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: .../s.toml: model file '.../none.toml' does not exist
    """
    return read_spec_file(path, "sweep spec", Spec.from_toml)


def parse_toml(text: str, what: str) -> dict:
    """TOML text as a dict; a syntax error is a ``ValueError`` naming ``what`` was read."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{what} is not valid TOML: {err}") from None


def read_spec_file(path: str | os.PathLike, what: str, from_toml):
    """``from_toml(text, base_dir=...)`` of a spec file; errors start with the file name."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{what} {str(path)!r} does not exist")
    try:
        return from_toml(path.read_text(), base_dir=path.parent)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def as_spec(spec) -> Spec:
    """A :class:`Spec` from a Spec, a TOML path, or a plain mapping."""
    if isinstance(spec, Spec):
        return spec
    if isinstance(spec, str | os.PathLike):
        return load_spec(spec)
    if isinstance(spec, Mapping):
        return Spec.from_dict(spec)
    raise ValueError(f"spec must be a Spec, a TOML path or a mapping, got {spec!r}")


def _pairs(field_name: str, value) -> tuple:
    if isinstance(value, Mapping):
        items = tuple(value.items())
    else:
        try:
            items = tuple(value)
            if not all(isinstance(p, tuple) and len(p) == 2 for p in items):
                raise TypeError
        except TypeError:
            raise ValueError(
                f"{field_name} must map parameter names to values, got {value!r}"
            ) from None
    for key, _ in items:
        if not isinstance(key, str):
            raise ValueError(f"{field_name} keys must be parameter names, got {key!r}")
    return items


def _model(value, base_dir: Path) -> Model:
    from fasttwin.model.toml_io import load_model

    if isinstance(value, str):
        path = Path(value)
        return load_model(path if path.is_absolute() else base_dir / path)
    if isinstance(value, Mapping):
        return model_from_dict(value, where="model")
    raise ValueError(f"model must be a TOML path or a [model] table, got {value!r}")


def _grid_table(table) -> dict:
    flat = _flat_table("grid", table, ranges=True)
    out = {}
    for key, value in flat.items():
        if isinstance(value, Mapping):
            out[key] = _range(key, value)
        elif isinstance(value, list):
            out[key] = value
        else:
            raise ValueError(
                f"grid.{key} must be a list of values or a {{start, stop, step}} table, got "
                f"{value!r}; put a fixed value in [fixed]"
            )
    return out


def _flat_table(name: str, table, ranges: bool = False, prefix: str = "") -> dict:
    """Flatten ``{"warehouse": {"reorder_point": ...}}`` to ``{"warehouse.reorder_point": ...}``."""
    if not isinstance(table, Mapping):
        raise ValueError(f"{name} must be a table, got {table!r}")
    out = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        is_range = ranges and isinstance(value, Mapping) and "start" in value
        if isinstance(value, Mapping) and not is_range:
            if prefix:
                raise ValueError(f"{name}.{full} nests too deep; keys are NODE.PARAMETER")
            out.update(_flat_table(name, value, ranges, prefix=f"{key}."))
        else:
            out[full] = value
    return out


def _range(key: str, table: Mapping) -> range:
    where = f"grid.{key}"
    unknown = sorted(set(table) - _RANGE_KEYS)
    if unknown or "stop" not in table:
        raise ValueError(
            f"{where} must be a {{start, stop, step}} table (step optional), got {dict(table)}"
        )
    start = _int(f"{where}.start", table["start"])
    stop = _int(f"{where}.stop", table["stop"])
    step = check_number(f"{where}.step", table.get("step", 1), low=1, integer=True)
    values = range(start, stop, step)
    if len(values) > MAX_AXIS:
        raise ValueError(
            f"{where} has {len(values):,} values; an axis may have at most {MAX_AXIS:,} "
            "(fasttwin's limit)"
        )
    if not values:
        raise ValueError(
            f"{where} is empty: stop ({stop}) is excluded and must be > start ({start})"
        )
    return values


def _int(field_name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{field_name} must be an integer, got {value!r}")
    return int(value)


def _scenarios(names, definitions) -> tuple[Scenario, ...] | None:
    if not isinstance(definitions, Mapping):
        raise ValueError(
            f"scenario must hold tables [scenario.NAME] defining scenarios, got {definitions!r}"
        )
    known: dict[str, Scenario] = {}
    for name, table in definitions.items():
        if not isinstance(table, Mapping):
            raise ValueError(
                f"scenario.{name} must be a table such as {{base = 'demand_surge', "
                f"factor = 1.6}}, got {table!r}"
            )
        known[name] = Scenario.from_dict(name, table, known)
    if names is None:
        if known:
            raise ValueError(
                f"scenario tables {sorted(known)} are defined, but scenarios (the list that "
                "makes the scenario dimension) is missing"
            )
        return None
    if isinstance(names, str) or not isinstance(names, list):
        raise ValueError(f"scenarios must be a list of scenario names, got {names!r}")
    for n in names:
        if not isinstance(n, str):
            raise ValueError(f"scenarios must be a list of scenario names, got {n!r}")
    return tuple(known[n] if n in known else Scenario.of(n) for n in names)


def _first_valid_point(model: Model, grid) -> int:
    """The first grid cell (C order) every node's policy accepts, else refuse.

    A cell is a policy when each node's ``reorder_point < order_up_to``; each
    node's condition involves its own axes only, so the first valid cell is
    found node by node from the axis values, in time linear in the axis
    lengths whatever the number of cells (a scan of 10**12 invalid cells would
    not end).
    """
    from fasttwin.sweep.plan import sub_grid, valid_mask

    # The node checks (a policy per node, no contradictory parameters) on one cell.
    valid_mask(model, sub_grid(grid, [(0, 1)] * len(grid.shape)))
    index = [0] * len(grid.axes)
    for node in model.nodes:
        found = _first_valid_of_node(model, grid, node)
        if found is None:
            raise ValueError(
                "no grid point is a valid policy: every cell has reorder_point >= order_up_to"
                + ("" if len(model.nodes) == 1 else f" at node {node.name!r}")
            )
        for axis, i in found.items():
            index[axis] = i
    return int(np.ravel_multi_index(index, grid.shape)) if index else 0


def _first_valid_of_node(model: Model, grid, node) -> dict | None:
    """``{axis: index}`` of the node's first (s, S) pair with s < S, ``{}`` if always valid."""
    axes = {a.param: i for i, a in enumerate(grid.axes) if a.node == node.name}
    fixed = {p: v for n, p, v in grid.fixed if n == node.name}

    def values(param):
        if param in axes:
            return np.asarray(grid.axes[axes[param]].values, dtype=np.int64)
        value = fixed.get(param, getattr(node, param))
        return None if value is None else np.asarray([value], dtype=np.int64)

    s, big_s = values("reorder_point"), values("order_up_to")
    if values("order_quantity") is not None or s is None or big_s is None:
        return {}  # (r, Q) and base-stock policies are valid everywhere
    if "reorder_point" not in axes and "order_up_to" not in axes:
        return {}  # two scalars: node_policy has refused an impossible pair
    s_first = axes.get("reorder_point", -1) < axes.get("order_up_to", -1)
    if s_first:  # the first s below some S, then the first S above it
        i = np.flatnonzero(s < big_s.max())
        if not i.size:
            return None
        j = int(np.flatnonzero(big_s > s[i[0]])[0])
        i = int(i[0])
    else:
        j = np.flatnonzero(big_s > s.min())
        if not j.size:
            return None
        i = int(np.flatnonzero(s < big_s[j[0]])[0])
        j = int(j[0])
    found = {}
    if "reorder_point" in axes:
        found[axes["reorder_point"]] = i
    if "order_up_to" in axes:
        found[axes["order_up_to"]] = j
    return found
