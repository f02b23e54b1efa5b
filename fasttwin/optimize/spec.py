"""Optimisation specs: what to search, under which constraint, and how to defend the choice.

Every field is checked when the :class:`OptimizeSpec` is built, before a
cluster starts or a store is touched; errors name the field and what it
allows. The TOML form follows sweep specs (``fasttwin sweep``)::

    name = "retail_optimize"
    model = "retail_twin.toml"          # relative to this file, or a [model] table
    scenarios = ["baseline", "supplier_delay"]   # optional; the constraint holds in each
    reps = 200                          # replications of every searched policy
    target = 0.98                       # service target
    service = "fill_rate"
    constraint = "every_store"          # every_store | worst_store | system | none
    rule = "confident"                  # confident | mean
    confidence = 0.95
    budget = 4000                       # policies the search may evaluate

    [space]                             # axes as in a sweep's [grid] (stop excluded)
    "store_1.reorder_point" = {start = 50, stop = 401, step = 5}
    "warehouse.order_up_to" = [2000, 2500, 3000]
    # or a [space.store_1] table; "<node>.safety_factor" takes real values

    [fixed]                             # parameters held at one value
    [start]                             # optional start point (default: the model's policy)

    [select]                            # the defended choice (fasttwin.optimize.select)
    finalists = 8
    reps = 200                          # first-stage replications of every finalist
    max_reps = 4000                     # cap on the second stage
    confirm_reps = 1000                 # fresh replications of the chosen policy
    delta = 0.005                       # indifference: 0.5 % of the best finalist's cost

    [execution]
    batch_size = 128                    # most points per batch (default: 128, or the whole poll)
    compression = "zstd"

    [scenario.big_surge]                # user scenarios, as in sweep specs
    base = "demand_surge"
    factor = 1.6
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from fasttwin.model.checks import check_choice, check_number
from fasttwin.model.network import Model
from fasttwin.model.scenarios import Scenario, resolve_scenarios
from fasttwin.model.toml_io import model_to_dict
from fasttwin.optimize.constraints import RULES, SCOPES, Constraint
from fasttwin.optimize.space import SAFETY_FACTOR, Space

TOP_KEYS = (
    "name",
    "model",
    "reps",
    "periods",
    "warmup",
    "seed",
    "scenarios",
    "scenario",
    "target",
    "service",
    "constraint",
    "rule",
    "confidence",
    "budget",
    "space",
    "fixed",
    "start",
    "select",
    "execution",
)
SELECT_KEYS = ("finalists", "reps", "max_reps", "confirm_reps", "delta")
EXECUTION_KEYS = ("batch_size", "compression")
#: Constraint scopes; "none" minimises cost alone.
CONSTRAINTS = (*SCOPES, "none")
#: Largest batch the search submits (slots of one batch in the store).
MAX_BATCH = 1024
#: Default cap on a batch: the whole poll set when it is smaller. Measured on the retail
#: twin (benchmarks/bench_optimize.py): 128 reached 1 % of the best known cost with fewer
#: policies than 192 or 256, in about the same wall time.
DEFAULT_BATCH = 128


@dataclass(frozen=True)
class OptimizeSpec:
    """A validated optimisation: model, space, constraint, search and selection settings.

    Build one from TOML with :func:`load_optimize_spec`, from a mapping with
    :meth:`OptimizeSpec.from_dict`, or directly (``space`` maps dotted keys to
    values; ``target=None`` or ``constraint="none"`` minimises cost alone).

    Examples
    --------
    >>> import fasttwin as ft
    >>> model = ft.single_node(demand=ft.Poisson(10.0), lead_time=2, reorder_point=20,
    ...                        order_up_to=60, backorder_cost=9.0, order_cost=30.0)
    >>> spec = OptimizeSpec(model, {"reorder_point": range(0, 60), "order_up_to": range(20, 120)},
    ...                     target=None, reps=50, periods=300)
    >>> spec.space.shape, spec.constraint.scope, spec.start
    ((60, 100), 'none', (20, 40))
    >>> OptimizeSpec(model, {"reorder_point": [1, 2]}, rule="likely")
    Traceback (most recent call last):
    ...
    ValueError: rule must be one of 'confident', 'mean', got 'likely'
    """

    model: Model
    space: Mapping | Space
    fixed: Mapping = field(default_factory=dict)
    start: Mapping | tuple | None = None
    target: float | None = 0.98
    service: str = "fill_rate"
    constraint: str | Constraint = "every_store"
    rule: str = "confident"
    confidence: float = 0.95
    scenarios: tuple[Scenario, ...] | None = None
    reps: int = 200
    periods: int | None = None
    warmup: int | None = None
    seed: int | None = None
    budget: int = 4000
    batch_size: int | None = None
    finalists: int = 8
    final_reps: int = 200
    max_final_reps: int = 4000
    confirm_reps: int = 1000
    delta: float = 0.005
    name: str = "optimize"
    compression: str = "zstd"
    _run: object = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self):
        from fasttwin.cube.variables import NODE_VARIABLES, SYSTEM_VARIABLES
        from fasttwin.optimize.search import poll_size
        from fasttwin.plan.run import resolve_run

        if not isinstance(self.model, Model):
            raise ValueError(f"model must be a fasttwin Model, got {self.model!r}")
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        run = resolve_run(self.model, self.reps, self.periods, self.warmup, self.seed)
        if run.reps < 2:
            raise ValueError(f"reps must be an integer >= 2 (intervals need two), got {run.reps}")
        space = self.space
        if not isinstance(space, Space):
            space = Space.of(self.model, space, self.fixed, run.periods)
        scope = (
            self.constraint.scope if isinstance(self.constraint, Constraint) else (self.constraint)
        )
        check_choice("constraint", scope, CONSTRAINTS)
        target = self.target
        if scope == "none":
            target = None
        elif target is not None:
            target = check_number("target", target, low=0, high=1, low_open=True)
        else:
            scope = "none"
        check_choice("rule", self.rule, RULES)
        confidence = check_number(
            "confidence", self.confidence, low=0, high=1, low_open=True, high_open=True
        )
        ratios = [n for n, v in SYSTEM_VARIABLES.items() if v.units == "1"]
        check_choice("service", self.service, ratios)
        if len(self.model.nodes) > 1 and f"node_{self.service}" not in NODE_VARIABLES:
            raise ValueError(f"service {self.service!r} has no per-node variable; use fill_rate")
        constraint = Constraint.of(self.model, target, self.service, scope, self.rule, confidence)
        scenarios = resolve_scenarios(self.scenarios)
        if scenarios is not None:
            scenarios = tuple(scenarios)
            for sc in scenarios:
                sc.apply(self.model)
        start = self.start
        if isinstance(start, tuple) and all(isinstance(i, numbers.Integral) for i in start):
            start = tuple(int(i) for i in start)
            if len(start) != len(space.dims) or not all(
                0 <= i < n for i, n in zip(start, space.shape, strict=True)
            ):
                raise ValueError(f"start must be a lattice index of shape {space.shape}")
        else:
            start = space.check_start(start)
        budget = check_number("budget", self.budget, low=1, high=10**7, integer=True)
        groups = len(_groups(space))
        batch = self.batch_size
        if batch is None:
            batch = min(poll_size(len(space.dims), groups) + 1, DEFAULT_BATCH)
        batch = check_number("execution.batch_size", batch, low=2, high=MAX_BATCH, integer=True)
        finalists = check_number("select.finalists", self.finalists, low=1, high=64, integer=True)
        n0 = check_number("select.reps", self.final_reps, low=2, high=10**7, integer=True)
        top = check_number("select.max_reps", self.max_final_reps, low=n0, high=10**7, integer=True)
        confirm = check_number(
            "select.confirm_reps", self.confirm_reps, low=2, high=10**7, integer=True
        )
        delta = check_number("select.delta", self.delta, low=0, low_open=True)
        check_choice("execution.compression", self.compression, ("zstd", "lz4", "none"))
        for key, value in (
            ("space", space),
            ("fixed", dict(space.fixed)),
            ("start", start),
            ("target", target),
            ("constraint", constraint),
            ("confidence", confidence),
            ("scenarios", scenarios),
            ("reps", run.reps),
            ("periods", run.periods),
            ("warmup", run.warmup),
            ("seed", run.seed),
            ("budget", budget),
            ("batch_size", batch),
            ("finalists", finalists),
            ("final_reps", n0),
            ("max_final_reps", top),
            ("confirm_reps", confirm),
            ("delta", delta),
            ("_run", run),
        ):
            object.__setattr__(self, key, value)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping, base_dir: str | os.PathLike = ".") -> OptimizeSpec:
        """A spec from its plain TOML form; ``model = "path"`` is relative to ``base_dir``.

        Examples
        --------
        >>> spec = OptimizeSpec.from_dict({
        ...     "model": {"nodes": [{"name": "shop", "demand": {"dist": "poisson", "mean": 5.0},
        ...                          "reorder_point": 5, "order_up_to": 30}]},
        ...     "space": {"shop": {"reorder_point": {"start": 0, "stop": 20, "step": 5}}},
        ...     "reps": 20, "select": {"delta": 0.01}})
        >>> spec.space.to_dict(), spec.delta
        ({'shop.reorder_point': [0, 5, 10, 15]}, 0.01)
        >>> OptimizeSpec.from_dict({"model": "m.toml", "spaces": {}})
        Traceback (most recent call last):
        ...
        ValueError: optimize spec has unknown key(s) ['spaces']; allowed: name, model, ...
        """
        from fasttwin.sweep.spec import _flat_table, _model, _scenarios

        if not isinstance(data, Mapping):
            raise ValueError(f"an optimize spec must be a table of settings, got {data!r}")
        unknown = sorted(set(data) - set(TOP_KEYS))
        if unknown:
            raise ValueError(
                f"optimize spec has unknown key(s) {unknown}; allowed: {', '.join(TOP_KEYS)}"
            )
        for key in ("model", "space"):
            if key not in data:
                raise ValueError(
                    "optimize spec needs model (a model TOML path or a [model] table) and a "
                    f"[space] table of the parameters to search; {key} is missing"
                )
        select = _table("select", data.get("select", {}), SELECT_KEYS)
        execution = _table("execution", data.get("execution", {}), EXECUTION_KEYS)
        model = _model(data["model"], Path(base_dir))
        space = {k: _axis(k, v) for k, v in _flat_table("space", data["space"], True).items()}
        defaults = {f.name: f.default for f in cls.__dataclass_fields__.values()}
        return cls(
            model,
            space,
            fixed=_flat_table("fixed", data.get("fixed", {})),
            start=_flat_table("start", data["start"]) if "start" in data else None,
            target=data.get("target", defaults["target"]),
            service=data.get("service", defaults["service"]),
            constraint=data.get("constraint", defaults["constraint"]),
            rule=data.get("rule", defaults["rule"]),
            confidence=data.get("confidence", defaults["confidence"]),
            scenarios=_scenarios(data.get("scenarios"), data.get("scenario", {})),
            reps=data.get("reps", defaults["reps"]),
            periods=data.get("periods"),
            warmup=data.get("warmup"),
            seed=data.get("seed"),
            budget=data.get("budget", defaults["budget"]),
            batch_size=execution.get("batch_size"),
            finalists=select.get("finalists", defaults["finalists"]),
            final_reps=select.get("reps", defaults["final_reps"]),
            max_final_reps=select.get("max_reps", defaults["max_final_reps"]),
            confirm_reps=select.get("confirm_reps", defaults["confirm_reps"]),
            delta=select.get("delta", defaults["delta"]),
            name=data.get("name", "optimize"),
            compression=execution.get("compression", "zstd"),
        )

    @classmethod
    def from_toml(cls, text: str, base_dir: str | os.PathLike = ".") -> OptimizeSpec:
        from fasttwin.sweep.spec import parse_toml

        return cls.from_dict(parse_toml(text, "optimize spec"), base_dir)

    # -- what the run covers -------------------------------------------------------------

    @property
    def run(self):
        """The search's :class:`~fasttwin.plan.run.Run` (replications ``0 .. reps-1``)."""
        return self._run

    @property
    def scenario_names(self) -> tuple[str, ...] | None:
        return None if self.scenarios is None else tuple(s.name for s in self.scenarios)

    @property
    def n_scenarios(self) -> int:
        return 1 if self.scenarios is None else len(self.scenarios)

    @property
    def groups(self) -> tuple[tuple[int, int], ...]:
        """Pairs of dimensions (a node's ``s`` and ``S``) the search shifts together."""
        return _groups(self.space)

    @property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        """The dimensions of each node: moves the search also combines across nodes."""
        nodes = list(dict.fromkeys(d.node for d in self.space.dims))
        return tuple(tuple(i for i, d in enumerate(self.space.dims) if d.node == n) for n in nodes)

    def rep_ranges(self) -> dict[str, tuple[int, int]]:
        """First replication and count of each phase: disjoint, so each phase is fresh."""
        first = self.reps
        return {
            "search": (0, self.reps),
            "finalists": (first, self.final_reps),
            "confirm": (first + self.max_final_reps, self.confirm_reps),
        }

    def to_dict(self) -> dict:
        """The spec (without the model) as plain values: provenance and resume checks."""
        out = {
            "name": self.name,
            "reps": self.reps,
            "periods": self.periods,
            "warmup": self.warmup,
            "seed": self.seed,
            "target": self.target,
            "service": self.service,
            "constraint": self.constraint.scope,
            "rule": self.rule,
            "confidence": self.confidence,
            "budget": self.budget,
            "space": self.space.to_dict(),
            "fixed": dict(self.fixed),
            "start": self.space.describe(self.start),
            "select": {
                "finalists": self.finalists,
                "reps": self.final_reps,
                "max_reps": self.max_final_reps,
                "confirm_reps": self.confirm_reps,
                "delta": self.delta,
            },
            "execution": {"batch_size": self.batch_size, "compression": self.compression},
        }
        if self.scenarios is not None:
            out["scenarios"] = [sc.to_dict() for sc in self.scenarios]
        return out

    def model_dict(self) -> dict:
        return model_to_dict(self.model)


def load_optimize_spec(path: str | os.PathLike) -> OptimizeSpec:
    """Read and validate an optimize spec TOML file; errors start with the file name."""
    from fasttwin.sweep.spec import read_spec_file

    return read_spec_file(path, "optimize spec", OptimizeSpec.from_toml)


def _groups(space: Space) -> tuple[tuple[int, int], ...]:
    out = []
    for i, a in enumerate(space.dims):
        for j, b in enumerate(space.dims):
            if a.node == b.node and (a.param, b.param) == ("reorder_point", "order_up_to"):
                out.append((i, j))
    return tuple(out)


def _table(name: str, value, keys) -> Mapping:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name} must be a table, got {value!r}")
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise ValueError(f"{name} has unknown key(s) {unknown}; allowed: {', '.join(keys)}")
    return value


def _axis(key: str, value):
    """A space axis from TOML: a list, or ``{start, stop, step}`` (stop excluded)."""
    where = f"space.{key}"
    if isinstance(value, list):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(
            f"{where} must be a list of values or a {{start, stop, step}} table, got {value!r}"
        )
    unknown = sorted(set(value) - {"start", "stop", "step"})
    if unknown or "stop" not in value or "start" not in value:
        raise ValueError(f"{where} must be a {{start, stop, step}} table, got {dict(value)}")
    real = key.endswith(SAFETY_FACTOR)
    start = check_number(f"{where}.start", value["start"], integer=not real)
    stop = check_number(f"{where}.stop", value["stop"], integer=not real)
    step = check_number(
        f"{where}.step", value.get("step", 1), low=0, low_open=True, integer=not real
    )
    if real:
        count = int((stop - start) / step + 1e-9) + 1
        values = [round(start + i * step, 12) for i in range(max(0, count))]
        values = [v for v in values if v < stop - 1e-12]
    else:
        values = list(range(start, stop, step))
    if not values:
        raise ValueError(f"{where} is empty: stop ({stop}) is excluded and must be > start")
    return values
