"""Scenarios: named, composable overrides of a model (DESIGN.md section 3).

A scenario is a sequence of *changes*; each change is a built-in kind with
parameters. ``"demand_surge+supplier_delay"`` composes two kinds with their
defaults; :class:`Scenario` objects (or TOML tables) set parameters. Demand
changes apply to every node with customer demand; supplier changes apply to
every node that orders from the external supplier (one per tree) unless
``node`` names one (``supplier_delay`` and ``lead_time_disruption`` may name
any node: they change the lead time from its parent).

Because random draws are keyed by (replication, node, day), a scenario that
leaves a day's distribution unchanged leaves that day's draws unchanged.

Continuous-review models read lead times as real numbers of days, so
``lead_time_disruption`` gives them a gamma lead time with the scaled mean and
variance (a fixed lead time is scaled), and ``supplier_delay`` shifts fixed,
uniform and whole-day lead times only. Periodic review reads them in whole
days: ``lead_time_disruption`` scales the mean and variance of those and gives
the :class:`~fasttwin.Normal` that has them once truncated at 0, as every
normal lead time is read (the kernel then rounds it to whole days; a fixed lead
time stays fixed), and ``supplier_delay`` shifts the whole-day distribution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from fasttwin.model.checks import check_number
from fasttwin.model.distributions import (
    Distribution,
    Empirical,
    Event,
    Gamma,
    NegativeBinomial,
    Normal,
    Poisson,
    Uniform,
)
from fasttwin.model.network import Model, Node

#: Built-in kinds, their parameters and defaults.
KINDS: dict[str, dict] = {
    "baseline": {},
    "demand_spike": {"factor": 2.5, "start": 30, "end": 32},
    "strong_seasonality": {"amplitude": 0.5},
    "supplier_delay": {"days": 7, "node": None},
    "high_variability": {"factor": 2.0},
    "demand_surge": {"factor": 1.3},
    "lead_time_disruption": {"mean_factor": 1.5, "variance_factor": 2.0, "node": None},
    "unreliable_supplier": {"reliability": 0.9, "node": None},
}


@dataclass(frozen=True)
class Change:
    """One built-in change with its parameters (defaults filled in)."""

    kind: str
    params: tuple[tuple[str, object], ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(
                f"unknown scenario {self.kind!r}; built-in scenarios are {', '.join(KINDS)}"
            )
        given = dict(self.params)
        unknown = sorted(set(given) - set(KINDS[self.kind]))
        if unknown:
            allowed = ", ".join(KINDS[self.kind]) or "none"
            raise ValueError(
                f"scenario {self.kind!r} has no parameter(s) {unknown}; its parameters: {allowed}"
            )
        full = {**KINDS[self.kind], **given}
        _check_params(self.kind, full)
        object.__setattr__(self, "params", tuple(full.items()))

    def apply(self, model: Model) -> Model:
        return _APPLY[self.kind](model, **dict(self.params))


@dataclass(frozen=True)
class Scenario:
    """A named sequence of changes applied in order.

    Examples
    --------
    >>> import fasttwin as ft
    >>> m = ft.single_node(demand=ft.Poisson(10.0), lead_time=2, order_up_to=50)
    >>> s = Scenario.of("demand_surge+supplier_delay")
    >>> s.name, s.apply(m).node("node").lead_time, s.apply(m).node("node").demand.multiplier
    ('demand_surge+supplier_delay', 9, 1.3)
    >>> big = Scenario("big_surge", (Change("demand_surge", (("factor", 2.0),)),))
    >>> big.apply(m).nodes[0].demand.multiplier
    2.0
    """

    name: str
    changes: tuple[Change, ...] = ()

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"scenario name must be a non-empty string, got {self.name!r}")

    @classmethod
    def of(cls, spec) -> Scenario:
        """A scenario from a name (``"a+b"`` composes built-ins) or a Scenario."""
        if isinstance(spec, Scenario):
            return spec
        if not isinstance(spec, str):
            raise ValueError(f"scenario must be a name or a Scenario, got {spec!r}")
        kinds = [k.strip() for k in spec.split("+")]
        return cls(spec, tuple(Change(k) for k in kinds if k != "baseline"))

    @classmethod
    def from_dict(cls, name: str, data: dict, known: dict | None = None) -> Scenario:
        """A user scenario from a TOML table.

        ``{"base": "demand_surge", "factor": 1.6}`` sets parameters of one kind;
        ``{"compose": ["demand_surge", "my_other"]}`` chains built-ins or
        scenarios defined earlier in ``known``.
        """
        data = dict(data)
        known = known or {}
        if "compose" in data:
            parts = data.pop("compose")
            if data:
                raise ValueError(
                    f"scenario {name!r}: 'compose' takes no other fields, got {sorted(data)}"
                )
            changes: list[Change] = []
            for part in parts:
                sc = known[part] if part in known else cls.of(part)
                changes.extend(sc.changes)
            return cls(name, tuple(changes))
        base = data.pop("base", None)
        if base is None:
            raise ValueError(f"scenario {name!r} needs 'base' (a built-in kind) or 'compose'")
        if base == "baseline" and not data:
            return cls(name, ())
        return cls(name, (Change(base, tuple(data.items())),))

    def apply(self, model: Model) -> Model:
        for change in self.changes:
            model = change.apply(model)
        return model

    def to_dict(self) -> dict:
        """Plain-dict form for provenance (``compose`` of parameterised changes)."""
        return {
            "name": self.name,
            "changes": [
                {"kind": c.kind, **{k: v for k, v in c.params if v is not None}}
                for c in self.changes
            ],
        }


def resolve_scenarios(scenario) -> list[Scenario] | None:
    """``None`` -> None; a name or Scenario -> [it]; a list -> each, names unique."""
    if scenario is None:
        return None
    items = [scenario] if isinstance(scenario, str | Scenario) else list(scenario)
    if not items:
        raise ValueError("scenario must name at least one scenario, got an empty list")
    out = [Scenario.of(s) for s in items]
    names = [s.name for s in out]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must be unique, got {names}")
    return out


def _check_params(kind: str, p: dict) -> None:
    where = f"scenario {kind}"
    if kind in ("demand_spike", "high_variability", "demand_surge"):
        check_number(f"{where}.factor", p["factor"], low=0)
    if kind == "demand_spike":
        check_number(f"{where}.start", p["start"], low=0, integer=True)
        check_number(f"{where}.end", p["end"], low=p["start"], integer=True)
    if kind == "strong_seasonality":
        check_number(f"{where}.amplitude", p["amplitude"], low=0, high=1)
    if kind == "supplier_delay":
        check_number(f"{where}.days", p["days"], low=0, integer=True)
    if kind == "lead_time_disruption":
        check_number(f"{where}.mean_factor", p["mean_factor"], low=0)
        check_number(f"{where}.variance_factor", p["variance_factor"], low=0)
    if kind == "unreliable_supplier":
        check_number(f"{where}.reliability", p["reliability"], low=0, high=1)


def _demand_nodes(model: Model, kind: str) -> list[Node]:
    nodes = [n for n in model.nodes if n.demand is not None]
    for n in nodes:
        if not n.demand.seasonal:
            raise ValueError(
                f"scenario {kind} changes the mean path, but node {n.name!r} has "
                f"{type(n.demand).__name__} demand, which has none"
            )
    return nodes


def _map_demand(model: Model, kind: str, fn) -> Model:
    for n in _demand_nodes(model, kind):
        model = model.replace_node(n.name, demand=fn(n.demand))
    return model


def _targets(model: Model, node: str | None) -> list[Node]:
    """The named node, or every node that orders from the external supplier."""
    if node is None:
        return [n for n in model.nodes if n.parent is None]
    return [model.node(node)]


def _demand_spike(model, factor, start, end):
    return _map_demand(
        model, "demand_spike", lambda d: replace(d, events=(*d.events, Event(start, end, factor)))
    )


def _strong_seasonality(model, amplitude):
    return _map_demand(model, "strong_seasonality", lambda d: replace(d, amplitude=amplitude))


def _demand_surge(model, factor):
    return _map_demand(
        model, "demand_surge", lambda d: replace(d, multiplier=d.multiplier * factor)
    )


def _high_variability(model, factor):
    def wider(d: Distribution) -> Distribution:
        if isinstance(d, Normal | Gamma):
            return replace(d, std=d.std * factor)
        if isinstance(d, NegativeBinomial):
            return replace(d, std=max(d.std * factor, math.sqrt(d.mean) * (1 + 1e-9)))
        if isinstance(d, Poisson):
            if factor <= 1.0:
                raise ValueError(
                    "scenario high_variability: Poisson demand can only get wider (factor > 1)"
                )
            if d.mean == 0:
                return d
            seasonal = {
                k: getattr(d, k)
                for k in ("multiplier", "amplitude", "period", "phase", "trend", "events")
            }
            return NegativeBinomial(d.mean, math.sqrt(d.mean) * factor, **seasonal)
        raise ValueError(f"scenario high_variability: cannot widen {type(d).__name__} demand")

    return _map_demand(model, "high_variability", wider)


def _supplier_delay(model, days, node):
    for target in _targets(model, node):
        model = _delay(model, target, days)
    return model


def _delay(model, target, days):
    lt = target.lead_time
    continuous = model.review == "continuous"
    if continuous and isinstance(lt, Uniform):
        return model.replace_node(target.name, lead_time=Uniform(lt.low + days, lt.high + days))
    real_valued = isinstance(lt, Distribution) and (
        not lt.whole_units or isinstance(lt, Normal | Gamma)
    )
    if continuous and real_valued:
        raise ValueError(
            f"scenario supplier_delay cannot add days exactly to the {type(lt).__name__} "
            f"lead time of node {target.name!r} (continuous review reads it as real-valued); "
            "use a fixed, Uniform or whole-day lead time, or lead_time_disruption"
        )
    if isinstance(lt, Distribution):
        from fasttwin.model.lead_times import lead_time_pmf

        pmf = lead_time_pmf(lt)
        values = tuple(int(k) + days for k in range(pmf.size) if pmf[k] > 0)
        probs = tuple(float(pmf[k]) for k in range(pmf.size) if pmf[k] > 0)
        new = Empirical(values=values, probs=probs)
    else:
        new = lt + days
    return model.replace_node(target.name, lead_time=new)


def _lead_time_disruption(model, mean_factor, variance_factor, node):
    for target in _targets(model, node):
        model = _disrupt(model, target, mean_factor, variance_factor)
    return model


def _disrupt(model, target, mean_factor, variance_factor):
    lt = target.lead_time
    if model.review == "continuous":
        from fasttwin.model.lead_times import lead_time_moments

        mean, var = lead_time_moments(lt)
        new_mean, new_var = mean * mean_factor, var * variance_factor
        if new_var > 0 and new_mean > 0:
            new = Gamma(new_mean, math.sqrt(new_var))
        else:
            new = float(new_mean)
        return model.replace_node(target.name, lead_time=new)
    from fasttwin.model.lead_times import lead_time_moments, normal_lead_time

    mean, var = lead_time_moments(lt, whole_days=True)
    new_mean, new_var = mean * mean_factor, var * variance_factor
    if new_var > 0 and new_mean > 0:
        # Truncated at 0 as every Normal lead time is read; periodic review then rounds it.
        new = normal_lead_time(new_mean, new_var)
    else:
        new = int(math.floor(new_mean + 0.5))
    return model.replace_node(target.name, lead_time=new)


def _unreliable_supplier(model, reliability, node):
    for target in _targets(model, node):
        model = model.replace_node(target.name, reliability=reliability)
    return model


_APPLY = {
    "baseline": lambda model: model,
    "demand_spike": _demand_spike,
    "strong_seasonality": _strong_seasonality,
    "supplier_delay": _supplier_delay,
    "high_variability": _high_variability,
    "demand_surge": _demand_surge,
    "lead_time_disruption": _lead_time_disruption,
    "unreliable_supplier": _unreliable_supplier,
}
